package ai.stratum.data.read;

/**
 * HTML to main text, one block per line, navigation and boilerplate dropped. Two implementations apply the same
 * rules ({@link ExtractionRules}): {@link StreamingHtmlExtractor} (the default, no DOM) and {@link HtmlExtractor}
 * (on jsoup's DOM, the reference).
 */
public interface HtmlTextExtractor {
    /** The main text of an HTML page, one block per line; empty if nothing is left. */
    String extract(String html);

    /** The extractor a recipe names: {@code streaming} or {@code jsoup}. */
    static HtmlTextExtractor named(String name) {
        return switch (name) {
            case "streaming" -> new StreamingHtmlExtractor();
            case "jsoup" -> new HtmlExtractor();
            default -> throw new IllegalArgumentException("extractor: must be 'streaming' or 'jsoup', got '" + name
                    + "'");
        };
    }
}
