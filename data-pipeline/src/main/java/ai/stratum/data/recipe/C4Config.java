package ai.stratum.data.recipe;

/**
 * C4 rules (Raffel et al. 2020) as datatrove's {@code C4QualityFilter} applies them, with its defaults: lines
 * are filtered (no terminal punctuation, too few words, a word over {@code max_word_length}, "javascript",
 * cookie/terms-of-use phrases), then the page is dropped if "lorem ipsum" or a curly bracket appears in a kept
 * line or fewer than {@code min_num_sentences} sentences remain. -1 disables a numeric rule.
 */
public record C4Config(boolean enabled, boolean removeCitations, boolean filterNoTerminalPunct, int minNumSentences,
                       int minWordsPerLine, int maxWordLength, boolean filterLoremIpsum, boolean filterJavascript,
                       boolean filterCurlyBracket, boolean filterPolicy) {
    public C4Config {
        if (minNumSentences < -1 || minWordsPerLine < -1 || maxWordLength < -1) {
            throw new IllegalArgumentException("min_num_sentences: min_num_sentences, min_words_per_line and "
                    + "max_word_length must be >= 0, or -1 to disable");
        }
    }

    public static C4Config defaults() {
        return new C4Config(true, true, true, 5, 3, 1000, true, true, true, true);
    }
}
