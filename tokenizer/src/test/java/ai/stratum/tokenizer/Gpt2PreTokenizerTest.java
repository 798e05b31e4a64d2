package ai.stratum.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.stratum.fixtures.text.MultilingualText;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written scanner must split exactly like the regex it replaces (as JTokkit compiles it). */
class Gpt2PreTokenizerTest {
    private static final Pattern REGEX = RegexDialect.compile(Gpt2PreTokenizer.PATTERN);

    static List<String> regexSplit(String text) {
        List<String> parts = new ArrayList<>();
        Matcher m = REGEX.matcher(text);
        int expectedStart = 0;
        while (m.find()) {
            assertEquals(expectedStart, m.start(), "the regex must cover the text without gaps");
            parts.add(m.group());
            expectedStart = m.end();
        }
        return parts;
    }

    static List<String> scannerSplit(String text) {
        List<String> parts = new ArrayList<>();
        char[] chars = text.toCharArray();
        for (int i = 0; i < chars.length; ) {
            int j = Gpt2PreTokenizer.tokenEnd(chars, i, chars.length);
            parts.add(text.substring(i, j));
            i = j;
        }
        return parts;
    }

    private static void assertSameSplit(String text) {
        List<String> expected = regexSplit(text);
        List<String> actual = scannerSplit(text);
        if (!expected.equals(actual)) {
            throw new AssertionError("split differs for " + Gpt2ExactnessTest.escape(text) + "\n regex   " + expected
                    + "\n scanner " + actual);
        }
    }

    @Test
    void generatedTextSplitsLikeTheRegex() {
        MultilingualText gen = MultilingualText.seeded(11);
        for (String doc : gen.documents(300, 2000)) {
            assertSameSplit(doc);
        }
        for (int i = 0; i < 200; i++) {
            assertSameSplit(gen.randomCodePoints(1 + i));
        }
        Gpt2ExactnessTest.edgeCases().forEach(Gpt2PreTokenizerTest::assertSameSplit);
    }

    @Test
    void everyBmpCharacterIsClassifiedLikeTheRegex() {
        // Each character alone, after a space, between letters, between spaces and before a letter: this
        // exercises the letter, number, other and whitespace classes of all 65,536 UTF-16 units.
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < 0x10000; c++) {
            String ch = String.valueOf((char) c);
            for (String text : List.of(ch, " " + ch, "a" + ch + "b", "  " + ch + " ", ch + ch + "x", "'" + ch)) {
                sb.setLength(0);
                assertSameSplit(text);
            }
        }
    }

    @Test
    void loneSurrogatesAndSupplementaryCodePointsSplitLikeTheRegex() {
        SplittableRandom random = new SplittableRandom(5);
        String[] pieces = {"\uD800", "\uDC00", "\uDBFF\uDFFF", "\uD835\uDC01", "😀", " ", "a", "1", "\n", "\uD83D", "'", "s", "\u00A0"};
        for (int i = 0; i < 3000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + random.nextInt(12);
            for (int k = 0; k < n; k++) {
                sb.append(pieces[random.nextInt(pieces.length)]);
            }
            assertSameSplit(sb.toString());
        }
        for (int cp = 0x10000; cp <= Character.MAX_CODE_POINT; cp += 37) {
            String s = new String(Character.toChars(cp));
            assertSameSplit(" " + s + s + "x");
        }
    }
}
