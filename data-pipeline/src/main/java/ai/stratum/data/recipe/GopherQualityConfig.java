package ai.stratum.data.recipe;

import java.util.List;

/**
 * Gopher quality rules (Rae et al. 2021, table A1) with datatrove's defaults. A threshold of 0 disables its
 * rule, as a falsy value does in datatrove.
 */
public record GopherQualityConfig(boolean enabled, int minDocWords, int maxDocWords, double minAvgWordLength,
                                  double maxAvgWordLength, double maxSymbolWordRatio, double maxBulletLinesRatio,
                                  double maxEllipsisLinesRatio, double maxNonAlphaWordsRatio, int minStopWords,
                                  List<String> stopWords) {
    public GopherQualityConfig {
        Checks.nonNegative("min_doc_words", minDocWords);
        Checks.nonNegative("max_doc_words", maxDocWords);
        Checks.nonNegative("min_avg_word_length", minAvgWordLength);
        Checks.nonNegative("max_avg_word_length", maxAvgWordLength);
        Checks.fraction("max_symbol_word_ratio", maxSymbolWordRatio);
        Checks.fraction("max_bullet_lines_ratio", maxBulletLinesRatio);
        Checks.fraction("max_ellipsis_lines_ratio", maxEllipsisLinesRatio);
        Checks.fraction("max_non_alpha_words_ratio", maxNonAlphaWordsRatio);
        Checks.nonNegative("min_stop_words", minStopWords);
        if (stopWords == null) {
            throw new IllegalArgumentException("stop_words: must be a list of words (may be empty)");
        }
        stopWords = List.copyOf(stopWords);
        if (new java.util.HashSet<>(stopWords).size() > 64) {
            throw new IllegalArgumentException("stop_words: at most 64 distinct words, got "
                    + new java.util.HashSet<>(stopWords).size());
        }
    }

    public static GopherQualityConfig defaults() {
        return new GopherQualityConfig(true, 50, 100_000, 3, 10, 0.1, 0.9, 0.3, 0.8, 2,
                List.of("the", "be", "to", "of", "and", "that", "have", "with"));
    }
}
