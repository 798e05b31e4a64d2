package ai.stratum.data.read;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-place reading of id and class names against the string one (the reference). */
class ExtractionRulesTest {
    private static final String[] PIECES = {"nav", "NAV", "Navbar", "menu", "ads", "toc", "TOC", "cookie", "x",
            "a1", "main", "content", "navx", "side", "sidebar", "pager", "newsletter", "newsletters", "pagination",
            "-", "_", " ", "\t", "\n", "\u000b", "\u001c", "--", "9", "nav9", "Share", "comment", "related"};

    @Test
    void asciiNamesAreBoilerplateExactlyWhenTheirStringsAre() {
        SplittableRandom rnd = new SplittableRandom(5);
        int boilerplate = 0;
        for (int t = 0; t < 20000; t++) {
            StringBuilder sb = new StringBuilder();
            int pieces = 1 + rnd.nextInt(4);
            for (int i = 0; i < pieces; i++) {
                sb.append(PIECES[rnd.nextInt(PIECES.length)]);
                if (rnd.nextInt(3) == 0) {
                    sb.append((char) (32 + rnd.nextInt(95)));
                }
            }
            String name = sb.toString();
            char[] padded = ("<" + name + ">").toCharArray();
            boolean expected = ExtractionRules.namesBoilerplate(name);
            assertEquals(expected, ExtractionRules.namesBoilerplateAscii(padded, 1, padded.length - 1), name);
            if (expected) {
                boilerplate++;
            }
        }
        assertTrue(boilerplate > 2000 && boilerplate < 18000, "both outcomes are exercised: " + boilerplate);
    }

    @Test
    void linesCompactedInPlaceEqualSplitStripJoin() {
        SplittableRandom rnd = new SplittableRandom(11);
        char[] alphabet = {'a', 'b', ' ', ' ', '\n', '\n', '\t', '\u00a0', '\u2003', '\r', 'x', '\u00e9'};
        for (int t = 0; t < 5000; t++) {
            StringBuilder sb = new StringBuilder();
            int len = rnd.nextInt(40);
            for (int i = 0; i < len; i++) {
                sb.append(alphabet[rnd.nextInt(alphabet.length)]);
            }
            String raw = sb.toString();
            String expected = java.util.Arrays.stream(raw.split("\n", -1)).map(String::strip)
                    .filter(l -> !l.isEmpty()).collect(java.util.stream.Collectors.joining("\n"));
            char[] chars = (raw + "junk").toCharArray();
            assertEquals(expected, ExtractionRules.lines(chars, raw.length()), raw);
            assertEquals(expected, ExtractionRules.lines(raw), raw);
        }
    }
}
