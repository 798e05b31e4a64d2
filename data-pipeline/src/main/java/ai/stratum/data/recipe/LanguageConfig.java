package ai.stratum.data.recipe;

import java.util.List;

/**
 * Language identification (Optimaize language-detector, 71 built-in profiles): keep a document whose top
 * language is in {@code languages} (ISO 639-1 codes) with probability at least {@code min_score}.
 * datatrove's defaults are {@code [en]} and 0.65. Only the first {@code max_chars} characters are examined
 * (default 1000: detection on a whole page costs 5-10 times more and rarely changes the top language).
 */
public record LanguageConfig(boolean enabled, List<String> languages, double minScore, int maxChars) {
    public LanguageConfig {
        if (languages == null || languages.isEmpty()) {
            throw new IllegalArgumentException("languages: list at least one ISO 639-1 code, e.g. [en]");
        }
        languages = List.copyOf(languages);
        Checks.fraction("min_score", minScore);
        Checks.positive("max_chars", maxChars);
    }

    public static LanguageConfig defaults() {
        return new LanguageConfig(true, List.of("en"), 0.65, 1000);
    }
}
