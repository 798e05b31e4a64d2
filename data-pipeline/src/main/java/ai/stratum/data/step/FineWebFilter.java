package ai.stratum.data.step;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.FineWebConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * FineWeb's quality rules with datatrove's semantics: the fraction of lines ending in terminal punctuation,
 * the fraction of short lines, characters in duplicated lines, and newlines per word (list-like pages).
 */
public final class FineWebFilter implements DocumentStep {
    private final FineWebConfig c;

    public FineWebFilter(FineWebConfig config) {
        this.c = config;
    }

    @Override
    public String name() {
        return "fineweb";
    }

    @Override
    public StepResult apply(Document doc, StepStats stats) {
        String reason = reject(doc.text());
        return reason == null ? StepResult.keep(doc) : StepResult.drop(reason);
    }

    String reject(String text) {
        String[] lines = text.split("\n", -1);
        int punct = 0;
        int shortLines = 0;
        List<String> nonEmpty = new ArrayList<>();
        for (String line : lines) {
            if (endsWithStop(line)) {
                punct++;
            }
            if (line.length() <= c.shortLineLength()) {
                shortLines++;
            }
            if (!line.isBlank()) {
                nonEmpty.add(line);
            }
        }
        double ratio = (double) punct / lines.length;
        if (ratio <= c.linePunctThr() && !(ratio == 0 && c.linePunctExcludeZero())) {
            return "line_punct_ratio";
        }
        if ((double) shortLines / lines.length >= c.shortLineThr()) {
            return "short_line_ratio";
        }
        long dupChars = GopherRepetitionFilter.findDuplicates(nonEmpty)[1];
        int charsWithoutNewlines = text.length() - (lines.length - 1);
        if (charsWithoutNewlines > 0 && (double) dupChars / charsWithoutNewlines >= c.charDuplicatesRatio()) {
            return "char_dup_ratio";
        }
        int words = Words.tokenize(text).size();
        if (words == 0 || (double) (lines.length - 1) / words > c.newLineRatio()) {
            return "list_ratio";
        }
        return null;
    }

    private static boolean endsWithStop(String line) {
        if (line.isEmpty()) {
            return false;
        }
        char last = line.charAt(line.length() - 1);
        return last == '.' || last == '\'' || last == '"' || last == '!' || last == '?';
    }
}
