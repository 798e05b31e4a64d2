package ai.stratum.data.step;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.C4Config;
import ai.stratum.data.recipe.FineWebConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class C4AndFineWebFilterTest {
    /** C4's one-scan phrase search against a naive search per phrase, on generated lines with case look-alikes. */
    @Test
    void phraseScanMatchesANaiveSearchPerPhrase() {
        String[] pieces = {"lorem", " ", "ipsum", "LOREM IPSUM", "Java", "script", "JavaScript", "terms of use",
            "Privacy Policy", "cookie", " policy", "uses cookies", "use of cookies", "use", "of", "x", "\u0131", "\u017f",
            "\u212a", "\u0130", "c", "t", "u"};
        java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        int hits = 0;
        for (int t = 0; t < 20_000; t++) {
            StringBuilder sb = new StringBuilder();
            for (int k = random.nextInt(10); k > 0; k--) {
                sb.append(pieces[random.nextInt(pieces.length)]);
            }
            String line = sb.toString();
            int expected = 0;
            for (int k = 0; k < C4Filter.PHRASES.length; k++) {
                String p = C4Filter.PHRASES[k];
                for (int i = 0; i + p.length() <= line.length(); i++) {
                    if (line.regionMatches(true, i, p, 0, p.length())) {
                        expected |= 1 << k;
                        break;
                    }
                }
            }
            assertEquals(expected, C4Filter.phrasesIn(line), line);
            hits += Integer.bitCount(expected);
        }
        org.junit.jupiter.api.Assertions.assertTrue(hits > 5_000, "the lines hold the phrases often: " + hits);
    }

    private final C4Filter c4 = new C4Filter(C4Config.defaults());
    /** datatrove's class defaults: {@code C4QualityFilter()} (terminal punctuation required per line). */
    private final C4Filter c4Class = new C4Filter(new C4Config(true, true, true, true, 5, 3, 1000, true, true, true,
            true));
    private final FineWebFilter fineweb = new FineWebFilter(FineWebConfig.defaults());

    private StepResult c4(String text) {
        return c4.apply(new Document("d", text, "s"), new StepStats("c4"));
    }

    private static String kept(StepResult r) {
        return ((StepResult.Keep) r).doc().text();
    }

    private static String dropped(StepResult r) {
        return r instanceof StepResult.Drop d ? d.reason() : null;
    }

    @Test
    void c4KeepsFiveSentencesAndDropsFour() {
        String four = "One sentence here. Two sentences here.\nThree is here! Four is here?";
        assertEquals("too_few_sentences", dropped(c4(four)));
        assertEquals(four + "\nFive is here too.", kept(c4(four + "\nFive is here too.")));
    }

    @Test
    void c4RemovesBadLinesAndKeepsTheRest() {
        String good = "This line is fine. It has two sentences.\nAnd this one is also fine. Yes it is. Really.";
        String text = String.join("\n",
                "Menu Home About",
                good.split("\n")[0],
                "Please enable JavaScript to see this page.",
                "Too short.",
                "We use cookies and this site uses cookies to work.",
                "A line with a " + "x".repeat(1001) + " word.",
                "The sentence trails off...",
                good.split("\n")[1] + "[12]");
        StepStats stats = new StepStats("c4");
        StepResult r = c4Class.apply(new Document("d", text, "s"), stats);
        assertEquals(good, kept(r));
        assertEquals(6L, stats.counters().get("lines_removed"));
        // FineWeb's settings keep the two lines without terminal punctuation that have 3+ words
        stats = new StepStats("c4");
        r = c4.apply(new Document("d", text, "s"), stats);
        assertEquals(String.join("\n", "Menu Home About", good.split("\n")[0], "The sentence trails off...",
                good.split("\n")[1]), kept(r));
        assertEquals(4L, stats.counters().get("lines_removed"));
    }

    /**
     * The hard-wrapped text: datatrove's class defaults keep only the wrapped lines that happen to end
     * a sentence (c4_filters.py: {@code not line.endswith(END_PUNCTUATION) or line.endswith(ELLIPSIS)} ->
     * continue), leaving fragments; FineWeb's {@code filter_no_terminal_punct=False} keeps every line of 3+ words.
     */
    @Test
    void c4HardWrappedTextKeptWholeWithFineWebSettings() {
        String wrapped = String.join("\n",
                "The build system reads its configuration from a file in the",
                "project root. Each module declares the modules it depends on, and",
                "the build orders them so that every dependency is compiled before",
                "the modules that use it. Tests run after compilation, one module",
                "at a time, and a failing test stops the build. A report lists the",
                "tests that ran.");
        assertEquals(wrapped, kept(c4(wrapped)));
        // class defaults: only "... tests that ran." ends in a period -> 1 sentence -> page dropped
        assertEquals("too_few_sentences", dropped(c4Class.apply(new Document("d", wrapped, "s"),
                new StepStats("c4"))));
    }

    /** Python's splitlines and strip: \r\n, \u2028 break lines; a no-break space is stripped. */
    @Test
    void c4SplitsAndStripsLikePython() {
        String text = "First line is here.\r\nSecond line is here.\u00a0\u2028Third line is here.\u000bFourth "
                + "line is here.\fFifth line is here.";
        assertEquals(String.join("\n", "First line is here.", "Second line is here.", "Third line is here.",
                "Fourth line is here.", "Fifth line is here."), kept(c4Class.apply(new Document("d", text, "s"),
                new StepStats("c4"))));
    }

    /** split_paragraph False: sentences are the units, each counts as one, kept ones joined with spaces. */
    @Test
    void c4SentenceModeJoinsWithSpaces() {
        C4Filter sentences = new C4Filter(new C4Config(true, false, true, true, 5, 3, 1000, true, true, true, true));
        String text = "One two three. Four five six!\nSeven eight nine? Ten eleven twelve. Ok. Last one here...\n"
                + "Thirteen fourteen fifteen.";
        assertEquals(List.of("One two three.", "Four five six!", "Seven eight nine?", "Ten eleven twelve.", "Ok.",
                "Last one here...", "Thirteen fourteen fifteen."), C4Filter.splitSentences(text));
        // "Ok." has too few words, "Last one here..." ends in an ellipsis: 5 kept
        assertEquals("One two three. Four five six! Seven eight nine? Ten eleven twelve. Thirteen fourteen "
                + "fifteen.", kept(sentences.apply(new Document("d", text, "s"), new StepStats("c4"))));
        assertEquals(3, C4Filter.sentences("One. Two! Three"));
        assertEquals(1, C4Filter.sentences("Version 1.2 is out."));
    }

    @Test
    void c4DropsLoremIpsumAndCurlyBracketsInKeptLines() {
        String base = "This is fine. And more of it. Also this. Another one. The fifth one.";
        assertEquals("lorem_ipsum", dropped(c4(base + "\nLorem ipsum dolor sit amet.")));
        assertEquals("curly_bracket", dropped(c4(base + "\nThe code is {x} here.")));
        // the class defaults drop the line for its missing punctuation before the bracket check
        assertEquals(base, kept(c4Class.apply(new Document("d", base + "\nno punctuation so {this} line goes", "s"),
                new StepStats("c4"))), "a removed line cannot drop");
        assertEquals("curly_bracket", dropped(c4(base + "\nno punctuation so {this} line goes")));
        assertEquals(base, kept(c4(base + "\n{x}")), "a line of too few words is removed before the check");
    }

    /** n lines of about 60 characters, the first {@code punct} ending with a period. */
    private static List<String> lines(int n, int punct) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("line " + i + " has quite a few words in it and goes on for a while" + (i < punct ? "." : ""));
        }
        return out;
    }

    @Test
    void fineWebPunctuationRatioBothSides() {
        // fineweb_quality_filter.py: ratio < line_punct_thr drops: 2/25 = 0.08 drops, 3/25 = 0.12 keeps
        assertEquals("line_punct_ratio", fineweb.reject(String.join("\n", lines(25, 2))));
        assertNull(fineweb.reject(String.join("\n", lines(25, 3))));
        // blank lines are not lines: 3 of 25 non-blank lines still 0.12
        assertNull(fineweb.reject(String.join("\n\n \n", lines(25, 3))));
        // TERMINAL_PUNCTUATION has no quote marks but has the Devanagari danda and the ideographic full stop
        List<String> l = lines(25, 0);
        for (int i = 0; i < 3; i++) {
            l.set(i, l.get(i) + "\u0964");
        }
        assertNull(fineweb.reject(String.join("\n", l)));
        for (int i = 0; i < 3; i++) {
            l.set(i, l.get(i) + "\"");
        }
        assertEquals("line_punct_ratio", fineweb.reject(String.join("\n", l)));
    }

    @Test
    void fineWebShortLineRatioBothSides() {
        List<String> l = lines(30, 30);
        for (int i = 0; i < 20; i++) {
            l.set(i, "short line " + i + ".");
        }
        // 20/30 = 0.667 < 0.67 keeps; 21/30 = 0.7 drops
        assertNull(fineweb.reject(String.join("\n", l)));
        l.set(20, "short line 20.");
        assertEquals("short_line_ratio", fineweb.reject(String.join("\n", l)));
    }

    @Test
    void fineWebDuplicateCharactersBothSides() {
        List<String> l = lines(200, 200);
        String text = String.join("\n", l);
        assertNull(fineweb.reject(text));
        String dup = "dup.";
        // ratio = dup chars / chars without newlines; >= 0.01 drops
        int total = text.length() - 199;
        int copies = (int) Math.ceil(0.01 * total / dup.length()) + 1;
        List<String> withDup = new ArrayList<>(l);
        withDup.addAll(Collections.nCopies(copies, dup));
        assertEquals("char_dup_ratio", fineweb.reject(String.join("\n", withDup)));
        List<String> fewDup = new ArrayList<>(l);
        fewDup.addAll(Collections.nCopies(3, dup));
        assertNull(fineweb.reject(String.join("\n", fewDup)));
    }

    @Test
    void fineWebListRatioBothSides() {
        // 10 lines of 3 words + period = 4 tokens each: 9 newlines / 40 tokens = 0.225 keeps
        List<String> l = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            l.add("item " + i + " value long enough to not be short line.".substring(0, 0) + "word" + i + " alpha beta.");
        }
        FineWebFilter onlyList = new FineWebFilter(new FineWebConfig(true, 0, false, 1.0, 0, 1.0, 0.3));
        assertNull(onlyList.reject(String.join("\n", l)));
        List<String> items = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            items.add("word" + i + ".");
        }
        // 9 newlines / 20 tokens = 0.45 drops
        assertEquals("list_ratio", onlyList.reject(String.join("\n", items)));
    }

    @Test
    void defaultsAreDatatroves() {
        assertEquals(new FineWebConfig(true, 0.12, false, 0.67, 30, 0.01, 0.3), FineWebConfig.defaults());
        assertEquals(new C4Config(true, true, true, false, 5, 3, 1000, true, true, true, true), C4Config.defaults());
    }

    /** fineweb_quality_filter.py written plainly with line strings and a HashSet: the reference for the range scan. */
    private static String naiveFineWeb(FineWebConfig c, String text) {
        List<String> lines = new java.util.ArrayList<>();
        for (String line : text.split("\n", -1)) {
            if (!PyText.strip(line).isEmpty()) {
                lines.add(line);
            }
        }
        if (lines.isEmpty()) {
            return "empty";
        }
        int punct = 0;
        int shortLines = 0;
        for (String line : lines) {
            punct += PyText.isTerminalPunctuation(PyText.lastCodePoint(line)) ? 1 : 0;
            shortLines += line.codePointCount(0, line.length()) <= c.shortLineLength() ? 1 : 0;
        }
        double ratio = (double) punct / lines.size();
        if (ratio < c.linePunctThr() && !(ratio == 0 && c.linePunctExcludeZero())) {
            return "line_punct_ratio";
        }
        if ((double) shortLines / lines.size() > c.shortLineThr()) {
            return "short_line_ratio";
        }
        long newlines = text.chars().filter(ch -> ch == '\n').count();
        if ((double) GopherRepetitionFilter.findDuplicates(lines)[1] / (text.length() - newlines)
                > c.charDuplicatesRatio()) {
            return "char_dup_ratio";
        }
        int words = Words.tokenize(text).size();
        return words == 0 || (double) newlines / words > c.newLineRatio() ? "list_ratio" : null;
    }

    @Test
    void fineWebMatchesAPlainImplementationOnGeneratedTexts() {
        String[] pieces = {"word", "Stra\u00dfe", "\u0915\u093f", "\ud83d\ude00", ".", "!", "\u3002", "?", " ", " ",
            "\u00a0", "\t", "\r", "\n", "\n", "\n\n", "\n \n", "same line.\n", "same line.\n"};
        java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        java.util.Map<String, Integer> reasons = new java.util.TreeMap<>();
        for (int t = 0; t < 2000; t++) {
            StringBuilder sb = new StringBuilder();
            for (int k = random.nextInt(80); k > 0; k--) {
                sb.append(pieces[random.nextInt(pieces.length)]);
            }
            String text = sb.toString();
            FineWebConfig config = new FineWebConfig(true, 0.05 * (t % 5), t % 2 == 0, 0.2 + 0.15 * (t % 5),
                    3 + t % 20, 0.05 + 0.1 * (t % 4), 0.1 + 0.2 * (t % 4));
            String expected = naiveFineWeb(config, text);
            assertEquals(expected, new FineWebFilter(config).reject(text), text);
            reasons.merge(String.valueOf(expected), 1, Integer::sum);
        }
        assertEquals(6, reasons.size(), "every outcome occurs: " + reasons);
    }
}
