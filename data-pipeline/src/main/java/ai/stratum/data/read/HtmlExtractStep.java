package ai.stratum.data.read;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.step.DocumentStep;
import ai.stratum.data.step.StepResult;

import java.util.TreeMap;

/**
 * The {@code extract} step: turns documents that readers marked as HTML ({@code content_type: text/html}) into
 * their main text with an {@link HtmlTextExtractor} (the recipe's {@code filters.extract.extractor}); other
 * documents pass untouched. A page with no text left is
 * dropped ({@code empty_extraction}). It is a step rather than part of the reader so that extraction, the
 * costliest part of reading web data, runs on the worker threads.
 */
public final class HtmlExtractStep implements DocumentStep {
    public static final String CONTENT_TYPE = "content_type";
    public static final String HTML = "text/html";
    private final HtmlTextExtractor extractor;

    public HtmlExtractStep(HtmlTextExtractor extractor) {
        this.extractor = extractor;
    }

    @Override
    public String name() {
        return "extract";
    }

    @Override
    public StepResult apply(Document doc, StepStats stats) {
        if (!HTML.equals(doc.metadata().get(CONTENT_TYPE))) {
            return StepResult.keep(doc);
        }
        stats.count("html_pages", 1);
        String text = extractor.extract(doc.text());
        if (text.isBlank()) {
            return StepResult.drop("empty_extraction", doc.metadata().getOrDefault("url", ""));
        }
        TreeMap<String, String> meta = new TreeMap<>(doc.metadata());
        meta.remove(CONTENT_TYPE);
        return StepResult.keep(new Document(doc.id(), text, doc.source(), meta));
    }
}
