package ai.stratum.data.step;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.FineWebConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * datatrove's {@code FineWebQualityFilter} (fineweb_quality_filter.py, datatrove 0.10.0): over the non-blank lines
 * of {@code text.split("\n")}, the fraction ending in a {@code TERMINAL_PUNCTUATION} character (below
 * {@code line_punct_thr}: drop), the fraction of at most {@code short_line_length} characters (above
 * {@code short_line_thr}: drop), characters in duplicated lines over the text's characters without newlines
 * (above {@code char_duplicates_ratio}: drop), and newlines per word (above {@code new_line_ratio}: drop, a
 * list-like page). A page without a non-blank line is dropped as {@code empty}.
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
        List<String> lines = new ArrayList<>();
        int newlines = 0;
        for (int start = 0, n = text.length(); start <= n; ) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = n;
            } else {
                newlines++;
            }
            // lines = [line for line in lines if line.strip() != ""]
            if (PyText.skipSpace(text, start, end) < end) {
                lines.add(text.substring(start, end));
            }
            start = end + 1;
        }
        if (lines.isEmpty()) {
            return "empty";
        }
        int punct = 0;
        int shortLines = 0;
        for (String line : lines) {
            // line.endswith(self.stop_chars), stop_chars = TERMINAL_PUNCTUATION
            if (PyText.isTerminalPunctuation(PyText.lastCodePoint(line))) {
                punct++;
            }
            if (line.codePointCount(0, line.length()) <= c.shortLineLength()) {
                shortLines++;
            }
        }
        double ratio = (double) punct / lines.size();
        if (ratio < c.linePunctThr() && !(ratio == 0 && c.linePunctExcludeZero())) {
            return "line_punct_ratio";
        }
        if ((double) shortLines / lines.size() > c.shortLineThr()) {
            return "short_line_ratio";
        }
        long dupChars = GopherRepetitionFilter.findDuplicates(lines)[1];
        int charsWithoutNewlines = text.length() - newlines;
        if ((double) dupChars / charsWithoutNewlines > c.charDuplicatesRatio()) {
            return "char_dup_ratio";
        }
        int words = Words.scanShared(text).count;
        if (words == 0 || (double) newlines / words > c.newLineRatio()) {
            return "list_ratio";
        }
        return null;
    }
}
