package ai.stratum.data.step;

import ai.stratum.data.recipe.GopherQualityConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class GopherQualityFilterTest {
    private final GopherQualityFilter filter = new GopherQualityFilter(GopherQualityConfig.defaults());

    /** n words: "the", "and", then "house" repeated; mean length 5 - 4/n, two stop words. */
    private static List<String> words(int n) {
        List<String> w = new ArrayList<>(List.of("the", "and"));
        while (w.size() < n) {
            w.add("house");
        }
        return w;
    }

    private static String join(List<String> w) {
        return String.join(" ", w);
    }

    @Test
    void defaultsAreDatatroves() {
        GopherQualityConfig d = GopherQualityConfig.defaults();
        assertEquals(List.of(50, 100000, 3.0, 10.0, 0.1, 0.9, 0.3, 0.8, 2),
                List.of(d.minDocWords(), d.maxDocWords(), d.minAvgWordLength(), d.maxAvgWordLength(),
                        d.maxSymbolWordRatio(), d.maxBulletLinesRatio(), d.maxEllipsisLinesRatio(),
                        d.maxNonAlphaWordsRatio(), d.minStopWords()));
        assertEquals(List.of("the", "be", "to", "of", "and", "that", "have", "with"), d.stopWords());
    }

    @Test
    void wordCountBothSides() {
        assertNull(filter.reject(join(words(50))));
        assertEquals("gopher_short_doc", filter.reject(join(words(49))));
        assertEquals("gopher_short_doc", filter.reject(join(words(49)) + " . , !"), "punctuation is not a word");
        GopherQualityFilter small = new GopherQualityFilter(new GopherQualityConfig(true, 50, 60, 3, 10, 0.1, 0.9,
                0.3, 0.8, 2, GopherQualityConfig.defaults().stopWords()));
        assertNull(small.reject(join(words(60))));
        assertEquals("gopher_long_doc", small.reject(join(words(61))));
    }

    @Test
    void meanWordLengthBothSides() {
        List<String> w = words(100);
        for (int i = 2; i < 100; i++) {
            w.set(i, i % 2 == 0 ? "ab" : "abcd");
        }
        // 3 + 3 + 49*2 + 49*4 = 300 chars over 100 words: exactly 3
        assertNull(filter.reject(join(w)));
        w.set(3, "abc");
        assertEquals("gopher_below_avg_threshold", filter.reject(join(w)));
        List<String> longWords = words(100);
        for (int i = 2; i < 100; i++) {
            longWords.set(i, i < 51 ? "abcdefghijk" : "abcdefghi");
        }
        // 6 + 49*11 + 49*9 = 986 chars -> 9.86
        assertNull(filter.reject(join(longWords)));
        longWords.set(60, "abcdefghijklmnopqrstuvwxyzabcd");
        assertEquals("gopher_above_avg_threshold", filter.reject(join(longWords)));
    }

    @Test
    void hashAndEllipsisRatiosBothSides() {
        List<String> w = words(100);
        for (int i = 10; i < 20; i++) {
            w.set(i, "#tag");
        }
        assertNull(filter.reject(join(w)));
        w.set(20, "#tag");
        assertEquals("gopher_too_many_hashes", filter.reject(join(w)));
        List<String> e = words(100);
        for (int i = 10; i < 20; i++) {
            e.set(i, "wait\u2026now");
        }
        assertNull(filter.reject(join(e)));
        e.set(20, "wait\u2026now");
        assertEquals("gopher_too_many_ellipsis", filter.reject(join(e)));
    }

    @Test
    void bulletAndEllipsisLinesBothSides() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            lines.add((i < 9 ? "\u2022 " : "") + join(words(12)));
        }
        assertNull(filter.reject(String.join("\n", lines)));
        lines.set(9, "\u2022 " + lines.get(9));
        assertEquals("gopher_too_many_bullets", filter.reject(String.join("\n", lines)));

        List<String> ell = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ell.add(join(words(12)) + (i < 3 ? " and so..." : " end"));
        }
        assertNull(filter.reject(String.join("\n", ell)));
        ell.set(3, ell.get(3) + "\u2026");
        assertEquals("gopher_too_many_end_ellipsis", filter.reject(String.join("\n", ell)));
    }

    @Test
    void alphabeticWordsAndStopWordsBothSides() {
        List<String> w = words(100);
        for (int i = 80; i < 100; i++) {
            w.set(i, "12345");
        }
        assertNull(filter.reject(join(w)));
        w.set(79, "12345");
        assertEquals("gopher_below_alpha_threshold", filter.reject(join(w)));
        List<String> s = words(60);
        s.set(1, "house");
        assertEquals("gopher_enough_stop_words", filter.reject(join(s)));
        s.set(1, "The");
        assertEquals("gopher_enough_stop_words", filter.reject(join(s)), "stop words match case-sensitively");
        s.set(1, "with");
        assertNull(filter.reject(join(s)));
        // datatrove: len(self.stop_words.intersection(set(words))) -- distinct stop words, not occurrences
        s.set(1, "the");
        assertEquals("gopher_enough_stop_words", filter.reject(join(s)), "'the' twice is one stop word");
    }

    /**
     * gopher_quality_filter.py (datatrove 0.10.0): bullets are lines whose lstrip() starts with "\u2022" or "-";
     * the hash, ellipsis and alphabetic ratios divide by n_words = len(words), symbol tokens included; a
     * token is a symbol word when all its characters are in PUNCTUATION_SET ("--" and "\u00bb\u00bb" too).
     */
    @Test
    void dashBulletsAndAllTokenDenominators() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            lines.add("  - " + join(words(12)));
        }
        assertEquals("gopher_too_many_bullets", filter.reject(String.join("\n", lines)));
        // 80 words + 20 "--" tokens + k "x#" tokens: k / (100 + k) > 0.1 drops from k = 12; over non-symbol
        // words alone (k / (80 + k)) k = 9 would already drop
        List<String> w = new ArrayList<>(words(80));
        for (int i = 0; i < 20; i++) {
            w.add("--");
        }
        String base = join(w);
        assertNull(filter.reject(base + " x#".repeat(11)));
        assertEquals("gopher_too_many_hashes", filter.reject(base + " x#".repeat(12)));
        assertEquals("gopher_short_doc", filter.reject(join(words(49)) + " -- \u00bb\u00bb ..."),
                "symbol tokens are not words");
    }

    @Test
    void tokenizerSplitsPunctuationLikeNltk() {
        assertEquals(List.of("(", "Hello", ",", "world", ")", "..."), Words.tokenize("(Hello, world)..."));
        assertEquals(List.of("end", ".", "\"", "next"), Words.tokenize("end.\" next"));
    }
}
