package ai.stratum.data.recipe;

import java.util.List;

/**
 * HTML-to-text extraction of WARC pages: {@code extractor} is {@code streaming} (the default: one pass, no DOM) or
 * {@code jsoup} (on jsoup's DOM; the reference the streaming extractor is tested against). Both apply the same
 * rules and give the same text except on the few constructs listed in {@code StreamingHtmlExtractor}.
 */
public record ExtractConfig(String extractor) {
    public static final List<String> EXTRACTORS = List.of("streaming", "jsoup");

    public ExtractConfig {
        if (!EXTRACTORS.contains(extractor)) {
            throw new IllegalArgumentException("extractor: must be one of " + EXTRACTORS + ", got '" + extractor
                    + "'");
        }
    }

    public static ExtractConfig defaults() {
        return new ExtractConfig("streaming");
    }
}
