package ai.stratum.data.step;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.C4Config;

import java.util.regex.Pattern;

/**
 * C4 rules as datatrove's {@code C4QualityFilter} applies them with {@code split_paragraph=True}: line by line,
 * drop lines with an overlong word, without terminal punctuation (or ending in an ellipsis), with too few words,
 * mentioning javascript or a cookie/terms policy; drop the page on "lorem ipsum" or a curly bracket in a kept
 * line, or when the kept lines hold fewer than {@code min_num_sentences} sentences. The kept lines replace the
 * text. Sentences are counted as runs of {@code . ! ?} followed by a space or the line end (NLTK's punkt in
 * datatrove), at least one per kept line.
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
    public StepResult apply(Document doc, StepStats stats) {
        StringBuilder kept = new StringBuilder();
        int sentences = 0;
        int removed = 0;
        for (String raw : doc.text().split("\n", -1)) {
            String line = raw.strip();
            int[] words = wordStats(line);
            if (c.maxWordLength() != -1 && words[1] > c.maxWordLength()) {
                removed++;
                continue;
            }
            if (c.removeCitations() && line.indexOf('[') >= 0) {
                line = CITATION.matcher(line).replaceAll("");
            }
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
            sentences += sentences(line);
            if (kept.length() > 0) {
                kept.append('\n');
            }
            kept.append(line);
        }
        stats.count("lines_removed", removed);
        if (sentences < c.minNumSentences()) {
            return StepResult.drop("too_few_sentences");
        }
        String text = kept.toString().strip();
        return StepResult.keep(text.equals(doc.text()) ? doc : doc.withText(text));
    }

    /** {number of whitespace-separated words, length of the longest}. */
    static int[] wordStats(String line) {
        int words = 0;
        int longest = 0;
        int n = line.length();
        for (int i = 0; i < n; ) {
            while (i < n && Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            if (i > start) {
                words++;
                longest = Math.max(longest, i - start);
            }
        }
        return new int[] {words, longest};
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

    static int sentences(String line) {
        int n = 0;
        int len = line.length();
        for (int i = 0; i < len; i++) {
            char ch = line.charAt(i);
            if (ch == '.' || ch == '!' || ch == '?') {
                int j = i;
                while (j + 1 < len && ".!?".indexOf(line.charAt(j + 1)) >= 0) {
                    j++;
                }
                if (j + 1 == len || Character.isWhitespace(line.charAt(j + 1))) {
                    n++;
                }
                i = j;
            }
        }
        return Math.max(1, n);
    }
}
