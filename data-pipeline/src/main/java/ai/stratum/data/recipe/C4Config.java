package ai.stratum.data.recipe;

/**
 * C4 rules (Raffel et al. 2020) as datatrove's {@code C4QualityFilter} applies them (c4_filters.py, datatrove
 * 0.10.0). With {@code split_paragraph} (datatrove's default) the text is split into lines ({@code splitlines});
 * without it into sentences, each then treated as a line and the kept ones joined with spaces. A line is
 * dropped for an overlong word, for not ending in {@code . ? ! " '} (or ending in "..."), for fewer than
 * {@code min_words_per_line} words, for "javascript" or a cookie/terms-of-use phrase; the page is dropped for
 * "lorem ipsum" or a curly bracket in a line that got that far, or when the kept lines hold fewer than
 * {@code min_num_sentences} sentences. -1 disables a numeric rule.
 *
 * <p>{@link #defaults()} is FineWeb's recipe ({@code C4QualityFilter(filter_no_terminal_punct=False)} in
 * datatrove's examples/fineweb.py), not the class default ({@code True}): requiring terminal punctuation per line
 * throws away every hard-wrapped line of e-mails, docs and plain-text pages and leaves fragments behind.
 */
public record C4Config(boolean enabled, boolean splitParagraph, boolean removeCitations,
                       boolean filterNoTerminalPunct, int minNumSentences, int minWordsPerLine, int maxWordLength,
                       boolean filterLoremIpsum, boolean filterJavascript, boolean filterCurlyBracket,
                       boolean filterPolicy) {
    public C4Config {
        if (minNumSentences < -1 || minWordsPerLine < -1 || maxWordLength < -1) {
            throw new IllegalArgumentException("min_num_sentences, min_words_per_line and max_word_length must be "
                    + ">= 0, or -1 to disable; got " + minNumSentences + ", " + minWordsPerLine + ", "
                    + maxWordLength);
        }
    }

    /** FineWeb's C4 settings: datatrove's defaults except {@code filter_no_terminal_punct: false}. */
    public static C4Config defaults() {
        return new C4Config(true, true, true, false, 5, 3, 1000, true, true, true, true);
    }
}
