package ai.stratum.data.step;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.C4Config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * datatrove's {@code C4QualityFilter} (c4_filters.py, datatrove 0.10.0, {@code filter}), rule by rule and in its
 * order, with Python's string semantics ({@link PyText}): lines from {@code splitlines()} (or sentences when
 * {@code split_paragraph} is off), each {@code strip()}ped; words from {@code line.split()} taken before
 * citations are removed; a line with a word over {@code max_word_length}, without terminal punctuation, with too
 * few words, with "javascript" or a policy phrase is dropped; "lorem ipsum" or "{" in a line that reaches those
 * checks drops the page; fewer than {@code min_num_sentences} sentences in the kept lines drop the page. The
 * kept lines, joined with newlines (spaces for sentences) and stripped, replace the text. Sentences are counted
 * with {@link #sentences} (NLTK's punkt in datatrove).
 */
public final class C4Filter implements DocumentStep {
    private static final Pattern CITATION = Pattern.compile("\\[\\d*]|\\[edit]|\\[citation needed]");
    /** The phrases a line is searched for, ASCII lowercase: bit 0 lorem ipsum, bit 1 javascript, the rest policy. */
    static final String[] PHRASES = {"lorem ipsum", "javascript", "terms of use", "privacy policy", "cookie policy",
        "uses cookies", "use of cookies", "use cookies"};
    private static final int[] PHRASES_BY_FIRST_LETTER = new int[26];
    private static final int LOREM_IPSUM = 1;
    private static final int JAVASCRIPT = 2;
    private static final int POLICY = ~(LOREM_IPSUM | JAVASCRIPT);
    private final C4Config c;

    static {
        for (int k = 0; k < PHRASES.length; k++) {
            PHRASES_BY_FIRST_LETTER[PHRASES[k].charAt(0) - 'a'] |= 1 << k;
        }
    }

    public C4Filter(C4Config config) {
        this.c = config;
    }

    @Override
    public String name() {
        return "c4";
    }

    @Override
    public boolean editsLines() {
        return true;
    }

    @Override
    public StepResult apply(Document doc, StepStats stats) {
        List<String> lines = c.splitParagraph() ? PyText.splitlines(doc.text()) : splitSentences(doc.text());
        StringBuilder kept = new StringBuilder();
        int sentences = 0;
        int removed = 0;
        for (String raw : lines) {
            String line = PyText.strip(raw);
            // words = line.split() -- before citations are removed, as in datatrove
            int[] words = PyText.splitStats(line);
            if (c.maxWordLength() != -1 && words[1] > c.maxWordLength()) {
                removed++;
                continue;
            }
            if (c.removeCitations() && line.indexOf('[') >= 0) {
                line = CITATION.matcher(line).replaceAll("");
            }
            // not line.endswith(END_PUNCTUATION) or line.endswith(ELLIPSIS)
            if (c.filterNoTerminalPunct() && (!endsWithTerminal(line) || line.endsWith("..."))) {
                removed++;
                continue;
            }
            if (words[0] < c.minWordsPerLine()) {
                removed++;
                continue;
            }
            int phrases = phrasesIn(line);
            if (c.filterLoremIpsum() && (phrases & LOREM_IPSUM) != 0) {
                return StepResult.drop("lorem_ipsum");
            }
            if (c.filterJavascript() && (phrases & JAVASCRIPT) != 0) {
                removed++;
                continue;
            }
            if (c.filterCurlyBracket() && line.indexOf('{') >= 0) {
                return StepResult.drop("curly_bracket");
            }
            if (c.filterPolicy() && (phrases & POLICY) != 0) {
                removed++;
                continue;
            }
            if (c.minNumSentences() != -1) {
                sentences += c.splitParagraph() ? sentences(line) : 1;
            }
            if (kept.length() > 0) {
                kept.append(c.splitParagraph() ? '\n' : ' ');
            }
            kept.append(line);
        }
        stats.count("lines_removed", removed);
        if (sentences < c.minNumSentences()) {
            return StepResult.drop("too_few_sentences");
        }
        String text = PyText.strip(kept.toString());
        return StepResult.keep(text.equals(doc.text()) ? doc : doc.withText(text));
    }

    /**
     * Sentences for {@code split_paragraph: false}: a sentence ends after a run of {@code . ! ?} (and any closing
     * quotes or brackets) followed by whitespace, the rule {@link #sentences} counts; each is stripped, empty
     * ones are skipped (datatrove's {@code strip_strings}).
     */
    static List<String> splitSentences(String text) {
        List<String> out = new ArrayList<>();
        int n = text.length();
        int start = 0;
        for (int i = 0; i < n; i++) {
            char ch = text.charAt(i);
            if (ch == '.' || ch == '!' || ch == '?') {
                int j = i;
                while (j + 1 < n && ".!?\"')]".indexOf(text.charAt(j + 1)) >= 0) {
                    j++;
                }
                if (j + 1 == n || PyText.isSpace(text.charAt(j + 1))) {
                    addStripped(out, text.substring(start, j + 1));
                    start = j + 1;
                }
                i = j;
            }
        }
        addStripped(out, text.substring(start));
        return out;
    }

    private static void addStripped(List<String> out, String s) {
        String t = PyText.strip(s);
        if (!t.isEmpty()) {
            out.add(t);
        }
    }

    /** {number of words as Python's {@code str.split()} gives them, code points in the longest}. */
    static int[] wordStats(String line) {
        return PyText.splitStats(line);
    }

    /**
     * Bit k set when {@code line.regionMatches(true, i, PHRASES[k], 0, length)} holds at some i: one scan of the
     * line for all eight phrases instead of one per phrase.
     */
    static int phrasesIn(String line) {
        int found = 0;
        for (int i = 0, n = line.length(); i < n; i++) {
            char ch = line.charAt(i);
            int letter = (ch | 0x20) - 'a'; // ASCII letters of either case to 0..25
            if (letter < 0 || letter >= 26 || ch > 'z') {
                continue;
            }
            int candidates = PHRASES_BY_FIRST_LETTER[letter] & ~found;
            while (candidates != 0) {
                int k = Integer.numberOfTrailingZeros(candidates);
                candidates &= candidates - 1;
                if (line.regionMatches(true, i, PHRASES[k], 0, PHRASES[k].length())) {
                    found |= 1 << k;
                }
            }
        }
        return found;
    }

    private static boolean endsWithTerminal(String line) {
        if (line.isEmpty()) {
            return false;
        }
        char last = line.charAt(line.length() - 1);
        return last == '.' || last == '?' || last == '!' || last == '"' || last == '\'';
    }

    /**
     * The number of sentences {@link #splitSentences} finds in a stripped, non-empty line, without building them:
     * the breaks followed by more text, plus one.
     */
    static int sentences(String line) {
        int n = 1;
        int len = line.length();
        for (int i = 0; i < len; i++) {
            char ch = line.charAt(i);
            if (ch == '.' || ch == '!' || ch == '?') {
                int j = i;
                while (j + 1 < len && ".!?\"')]".indexOf(line.charAt(j + 1)) >= 0) {
                    j++;
                }
                if (j + 1 < len && PyText.isSpace(line.charAt(j + 1))
                        && PyText.skipSpace(line, j + 1, len) < len) {
                    n++;
                }
                i = j;
            }
        }
        return n;
    }
}
