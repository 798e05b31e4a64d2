package ai.stratum.data.run;

import ai.stratum.data.read.DocumentReader;
import ai.stratum.data.read.HtmlExtractStep;
import ai.stratum.data.read.HtmlTextExtractor;
import ai.stratum.data.read.JsonlReader;
import ai.stratum.data.read.ParquetDocumentReader;
import ai.stratum.data.read.TextReader;
import ai.stratum.data.read.WarcDocumentReader;
import ai.stratum.data.recipe.FiltersConfig;
import ai.stratum.data.recipe.InputConfig;
import ai.stratum.data.step.C4Filter;
import ai.stratum.data.step.DocumentStep;
import ai.stratum.data.step.FineWebFilter;
import ai.stratum.data.step.GopherQualityFilter;
import ai.stratum.data.step.GopherRepetitionFilter;
import ai.stratum.data.step.LanguageFilter;
import ai.stratum.data.step.UnicodeNormalizer;

import java.util.ArrayList;
import java.util.List;

/** Builds readers and the per-document filter steps from a recipe. */
public final class Steps {
    /** Text files larger than this are rejected rather than loaded whole. */
    static final long MAX_TEXT_FILE_BYTES = 256L << 20;

    private Steps() {
    }

    /**
     * The per-document steps in pipeline order: extract (HTML to text, for WARC pages), then the enabled filters:
     * normalize, language, gopher_repetition, gopher_quality, c4, fineweb.
     */
    public static List<DocumentStep> filters(FiltersConfig f, long seed) {
        List<DocumentStep> steps = new ArrayList<>();
        steps.add(new HtmlExtractStep(HtmlTextExtractor.named(f.extract().extractor())));
        if (f.normalize().enabled()) {
            steps.add(new UnicodeNormalizer(f.normalize().form()));
        }
        if (f.language().enabled()) {
            steps.add(new LanguageFilter(f.language(), seed));
        }
        if (f.gopherRepetition().enabled()) {
            steps.add(new GopherRepetitionFilter(f.gopherRepetition()));
        }
        if (f.gopherQuality().enabled()) {
            steps.add(new GopherQualityFilter(f.gopherQuality()));
        }
        if (f.c4().enabled()) {
            steps.add(new C4Filter(f.c4()));
        }
        if (f.fineweb().enabled()) {
            steps.add(new FineWebFilter(f.fineweb()));
        }
        if (f.quality().enabled()) {
            steps.add(ai.stratum.data.quality.QualityStep.of(f.quality(), seed));
        }
        return steps;
    }

    public static DocumentReader reader(InputConfig input) {
        return switch (input.format()) {
            case "jsonl" -> new JsonlReader(input.textField(), input.idField());
            case "text" -> new TextReader(MAX_TEXT_FILE_BYTES);
            case "warc" -> new WarcDocumentReader();
            case "parquet" -> new ParquetDocumentReader(input.textField(), input.idField());
            default -> throw new IllegalArgumentException("format: unknown input format '" + input.format() + "'");
        };
    }
}
