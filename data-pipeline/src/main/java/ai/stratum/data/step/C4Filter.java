package ai.stratum.data.step;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.C4Config;

import java.util.List;
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
    private static final List<String> POLICY = List.of("terms of use", "privacy policy", "cookie policy",
            "uses cookies", "use of cookies", "use cookies");
    private final C4Config c;

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
            if (c.filterLoremIpsum() && containsIgnoreCase(line, "lorem ipsum")) {
                return StepResult.drop("lorem_ipsum");
            }
            if (c.filterJavascript() && containsIgnoreCase(line, "javascript")) {
                removed++;
                continue;
            }
            if (c.filterCurlyBracket() && line.indexOf('{') >= 0) {
                return StepResult.drop("curly_bracket");
            }
            if (c.filterPolicy() && containsPolicy(line)) {
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

    private static boolean containsPolicy(String line) {
        for (String p : POLICY) {
            if (containsIgnoreCase(line, p)) {
                return true;
            }
        }
        return false;
    }

    /** Case-insensitive search for an ASCII lowercase needle, without lowercasing the haystack. */
    static boolean containsIgnoreCase(String hay, String needle) {
        int last = hay.length() - needle.length();
        char first = needle.charAt(0);
        char firstUpper = Character.toUpperCase(first);
        for (int i = 0; i <= last; i++) {
            char ch = hay.charAt(i);
            if ((ch == first || ch == firstUpper) && hay.regionMatches(true, i, needle, 0, needle.length())) {
                return true;
            }
        }
        return false;
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
