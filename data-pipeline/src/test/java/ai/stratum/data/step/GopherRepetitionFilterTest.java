package ai.stratum.data.step;

import ai.stratum.data.recipe.GopherRepetitionConfig;
import ai.stratum.fixtures.web.SyntheticWeb;
import ai.stratum.fixtures.web.WordLists;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class GopherRepetitionFilterTest {
    private static final GopherRepetitionConfig OFF = new GopherRepetitionConfig(true, 0, 0, 0, 0, List.of(),
            List.of());

    private static GopherRepetitionFilter only(double line, double para, double lineChar, double paraChar) {
        return new GopherRepetitionFilter(new GopherRepetitionConfig(true, line, para, lineChar, paraChar, List.of(),
                List.of()));
    }

    private static String distinctLine(int i) {
        return "line number " + i + " says something different";
    }

    @Test
    void duplicateLineAndParagraphFractionsBothSides() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            lines.add(i < 7 ? distinctLine(i) : distinctLine(0));
        }
        GopherRepetitionFilter f = only(0.3, 0, 0, 0);
        assertNull(f.reject(String.join("\n", lines)));
        lines.set(6, distinctLine(1));
        assertEquals("dup_line_frac", f.reject(String.join("\n", lines)));
        GopherRepetitionFilter p = only(0, 0.3, 0, 0);
        assertNull(p.reject(String.join("\n\n", lines.subList(0, 6)) + "\n\n" + distinctLine(8)));
        List<String> paras = new ArrayList<>(lines.subList(0, 6));
        paras.add(distinctLine(0));
        paras.add(distinctLine(0));
        paras.add(distinctLine(0));
        paras.add(distinctLine(0));
        paras.add(distinctLine(9));
        // 11 paragraphs, 4 duplicates: 0.36 > 0.3
        assertEquals("dup_para_frac", p.reject(String.join("\n\n", paras)));
    }

    @Test
    void duplicateCharacterFractionsBothSides() {
        String longLine = "x".repeat(100);
        // text: 4 distinct 100-char lines + 1 duplicate: 100 / 504 chars = 0.198 <= 0.2
        String text = String.join("\n", "a".repeat(100), "b".repeat(100), "c".repeat(100), "d".repeat(100), longLine);
        String withDup = text.replace("d".repeat(100), longLine);
        assertNull(only(0, 0, 0.2, 0).reject(withDup.replace("a".repeat(100), "a".repeat(104))));
        assertEquals("dup_line_char_frac", only(0, 0, 0.2, 0).reject(withDup.replace("a".repeat(100), "a".repeat(90))));
        String paras = withDup.replace("\n", "\n\n");
        assertEquals("dup_para_char_frac", only(0, 0, 0, 0.2).reject(paras.replace("a".repeat(100), "a".repeat(90))));
    }

    /** datatrove's n-gram functions written plainly with strings: the reference. */
    private static long naiveTop(List<String> words, int n) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i + n <= words.size(); i++) {
            counts.merge(String.join(" ", words.subList(i, i + n)), 1, Integer::sum);
        }
        String best = null;
        int bestCount = 0;
        for (int i = 0; i + n <= words.size(); i++) {
            String g = String.join(" ", words.subList(i, i + n));
            if (counts.get(g) > bestCount) {
                best = g;
                bestCount = counts.get(g);
            }
        }
        return best == null ? 0 : (long) best.length() * bestCount;
    }

    private static long naiveAllDuplicates(List<String> words, int n) {
        Set<String> unique = new HashSet<>();
        long repeated = 0;
        int idx = 0;
        while (idx < words.size() - n + 1) {
            String gram = String.join("", words.subList(idx, idx + n));
            if (!unique.add(gram)) {
                repeated += gram.length();
                idx += n;
            } else {
                idx++;
            }
        }
        return repeated;
    }

    @Test
    void nGramCharacterCountsMatchAPlainStringImplementation() {
        SyntheticWeb web = new SyntheticWeb(5);
        for (int doc = 0; doc < 40; doc++) {
            String text = doc % 3 == 0 ? web.spam(30) : web.prose(WordLists.EN, 1 + doc % 4);
            List<String> words = Words.tokenize(text);
            Words.Spans spans = Words.scan(text);
            long[] ids = new long[spans.count];
            int[] lengths = new int[spans.count];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = spans.hash(i);
                lengths[i] = spans.length(i);
            }
            long[][] grams = GopherRepetitionFilter.nGramHashes(ids, 10);
            for (int n = 2; n <= 10; n++) {
                if (ids.length < n) {
                    continue;
                }
                assertEquals(naiveTop(words, n),
                        GopherRepetitionFilter.topNGramChars(grams[n], lengths, n, new LongHashing.Counts(ids.length)),
                        "top " + n);
                assertEquals(naiveAllDuplicates(words, n), GopherRepetitionFilter.duplicateNGramChars(grams[n], lengths, n,
                        new LongHashing.Counts(ids.length)), "dup " + n);
                // the one-pass bound that lets the filter skip the duplicate rules holds for every longer n-gram
                long bound = GopherRepetitionFilter.coveredByRepeats(grams[n], lengths, n,
                        new LongHashing.Counts(ids.length));
                for (int longer = n; longer <= 10 && longer <= ids.length; longer++) {
                    org.junit.jupiter.api.Assertions.assertTrue(naiveAllDuplicates(words, longer) <= bound,
                            n + " bounds " + longer);
                }
            }
        }
    }

    @Test
    void lineAndParagraphCountsMatchPythonSplitting() {
        String text = "a\n\n\nb\na\n\nb\na\n";
        // paragraphs of text.strip() split on \n{2,}: "a", "b\na", "b\na" -> one duplicate of 3 chars
        assertEquals(List.of(1L, 3L, 3L), java.util.Arrays.stream(GopherRepetitionFilter.duplicateParagraphs(
                text.strip())).boxed().toList());
        // re.split("\n+", text) (datatrove 0.10.0's _line_splitter): a, b, a, b, a, "" -> duplicates a, b, a
        assertEquals(List.of(3L, 3L, 6L), java.util.Arrays.stream(GopherRepetitionFilter.duplicateLines(text))
                .boxed().toList());
        // a leading newline run gives one empty first line: "", x, y, x -> one duplicate
        assertEquals(List.of(1L, 1L, 4L), java.util.Arrays.stream(GopherRepetitionFilter.duplicateLines(
                "\n\nx\ny\n\n\nx")).boxed().toList());
        assertEquals(List.of(0L, 0L, 1L), java.util.Arrays.stream(GopherRepetitionFilter.duplicateLines(""))
                .boxed().toList());
        assertEquals(List.of(5L, 3L), java.util.Arrays.stream(GopherRepetitionFilter.findDuplicates(
                text.lines().toList())).boxed().toList());
    }

    @Test
    void topAndDuplicateNGramRulesBothSides() {
        StringBuilder base = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            base.append("w").append(1000 + i).append(' ');
        }
        String unique = base.toString().strip();
        // "aa bb" (5 chars) repeated k times; threshold 0.2 of the text length
        GopherRepetitionFilter top = new GopherRepetitionFilter(new GopherRepetitionConfig(true, 0, 0, 0, 0,
                List.of(List.of(2.0, 0.2)), List.of()));
        String low = unique + " aa bb".repeat(60);
        String high = unique + " aa bb".repeat(80);
        assertEquals(naiveTop(Words.tokenize(low), 2) / (double) low.length() <= 0.2, top.reject(low) == null);
        assertNull(top.reject(low));
        assertEquals("top_2_gram", top.reject(high));
        GopherRepetitionFilter dup = new GopherRepetitionFilter(new GopherRepetitionConfig(true, 0, 0, 0, 0,
                List.of(), List.of(List.of(5.0, 0.15))));
        String phrase = " one two three four five";
        String few = unique + phrase.repeat(12);
        String many = unique + phrase.repeat(14);
        assertNull(dup.reject(few));
        assertEquals("duplicated_5_n_grams", dup.reject(many));
        assertNull(new GopherRepetitionFilter(OFF).reject(many));
    }

    /**
     * The main cause of dropped clean text: paragraphs separated by blank lines. datatrove splits lines
     * with {@code re.compile("\n+")} (gopher_repetition_filter.py, datatrove 0.10.0), so the blank lines are not
     * lines; with {@code splitlines()} 9 of 19 lines would be "" and 8 of them duplicates (0.42 > 0.3).
     */
    @Test
    void blankLinesBetweenParagraphsAreNotDuplicateLines() {
        List<String> paras = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            paras.add(distinctLine(i));
        }
        GopherRepetitionFilter f = only(0.3, 0.3, 0.2, 0.2);
        assertNull(f.reject(String.join("\n\n", paras)));
        assertNull(f.reject(String.join("\n\n\n", paras) + "\n"));
        // real duplicates still count: 4 of 10 paragraphs repeated -> 4/10 lines > 0.3 (and paragraphs)
        for (int i = 6; i < 10; i++) {
            paras.set(i, distinctLine(i - 6));
        }
        assertEquals("dup_para_frac", f.reject(String.join("\n\n", paras)));
        assertEquals("dup_line_frac", only(0.3, 0, 0, 0).reject(String.join("\n\n", paras)));
    }

    /**
     * The whole filter against a plain string implementation of datatrove's rules (paragraphs from
     * {@code re.split("\n{2,}", text.strip())}, lines from {@code re.split("\n+", text)}, n-grams as joined strings
     * in HashMaps), on generated texts with ties, non-ASCII words, {@code \r\n}, blank-line runs and long repeated
     * passages; with thresholds spread so that every rule both fires and passes on some texts.
     */
    @Test
    void wholeFilterMatchesAPlainStringImplementationOnGeneratedTexts() {
        String[] vocab = {"the", "a", "Stra\u00dfe", "\u0928\u092e\u0938\u094d\u0924\u0947", "caf\u00e9", "\u4e2d\u6587",
            "word.", "(x", "...", "-", "\ud83d\ude00", "end!", "b", "c", "d"};
        String[] breaks = {" ", " ", " ", " ", "\n", "\n\n", "\n\n\n", "\r\n", "\r\n\r\n", "\t", " \u00a0"};
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        Map<String, Integer> reasons = new HashMap<>();
        for (int t = 0; t < 600; t++) {
            StringBuilder sb = new StringBuilder();
            int words = 1 + random.nextInt(t % 5 == 0 ? 400 : 60);
            List<String> passage = new ArrayList<>();
            for (int w = 0; w < words; w++) {
                if (!passage.isEmpty() && random.nextInt(40) == 0) {
                    // a long repeated passage (up to 15 words) again
                    for (String p : passage) {
                        sb.append(p).append(' ');
                    }
                    continue;
                }
                String word = vocab[random.nextInt(t % 3 == 0 ? 4 : vocab.length)];
                if (random.nextInt(4) == 0) {
                    word = word + random.nextInt(30);
                }
                if (passage.size() < 15) {
                    passage.add(word);
                }
                sb.append(word).append(breaks[random.nextInt(breaks.length)]);
            }
            String text = (t % 7 == 0 ? "\n\n" : "") + sb;
            double f = 0.05 + (t % 10) * 0.05;
            GopherRepetitionConfig config = new GopherRepetitionConfig(true, f, f, f / 2, f / 2,
                    List.of(List.of(2.0, f), List.of(3.0, f), List.of(4.0, f * 0.8)),
                    List.of(List.of(5.0, f), List.of(6.0, f), List.of(7.0, f * 0.9), List.of(8.0, f),
                            List.of(9.0, f * 0.7), List.of(10.0, f * 0.5)));
            if (t % 4 == 0) {
                config = new GopherRepetitionConfig(true, 0, 0, 0, 0, config.topNGrams(), config.dupNGrams());
            }
            String expected = naiveReject(config, text);
            assertEquals(expected, new GopherRepetitionFilter(config).reject(text), "text " + t);
            reasons.merge(String.valueOf(expected), 1, Integer::sum);
        }
        for (String r : List.of("null", "dup_para_frac", "dup_line_frac", "top_2_gram", "duplicated_5_n_grams")) {
            org.junit.jupiter.api.Assertions.assertTrue(reasons.containsKey(r), r + " in " + reasons);
        }
    }

    private static String naiveReject(GopherRepetitionConfig c, String text) {
        double length = Math.max(1, text.length());
        List<String> paragraphs = List.of(PyText.strip(text).split("\n{2,}", -1));
        long[] dup = GopherRepetitionFilter.findDuplicates(paragraphs);
        if (c.dupParaFrac() > 0 && (double) dup[0] / paragraphs.size() > c.dupParaFrac()) {
            return "dup_para_frac";
        }
        if (c.dupParaCharFrac() > 0 && dup[1] / length > c.dupParaCharFrac()) {
            return "dup_para_char_frac";
        }
        List<String> lines = List.of(text.split("\n+", -1));
        dup = GopherRepetitionFilter.findDuplicates(lines);
        if (c.dupLineFrac() > 0 && (double) dup[0] / lines.size() > c.dupLineFrac()) {
            return "dup_line_frac";
        }
        if (c.dupLineCharFrac() > 0 && dup[1] / length > c.dupLineCharFrac()) {
            return "dup_line_char_frac";
        }
        List<String> words = Words.tokenize(text);
        for (List<Double> rule : c.topNGrams()) {
            int n = rule.get(0).intValue();
            if (rule.get(1) > 0 && words.size() >= n && naiveTop(words, n) / length > rule.get(1)) {
                return "top_" + n + "_gram";
            }
        }
        for (List<Double> rule : c.dupNGrams()) {
            int n = rule.get(0).intValue();
            if (rule.get(1) > 0 && words.size() >= n && naiveAllDuplicates(words, n) / length > rule.get(1)) {
                return "duplicated_" + n + "_n_grams";
            }
        }
        return null;
    }
}
