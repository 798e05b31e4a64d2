package ai.stratum.data.step;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.FineWebConfig;

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

    /**
     * The rules over the text's lines as index ranges (no line strings): duplicated lines are found by 64-bit
     * hashes of their characters, as in {@link GopherRepetitionFilter} (two different lines of one page would have
     * to share 64 bits to be taken for duplicates).
     */
    String reject(String text) {
        int n = text.length();
        int lines = 0; // non-blank lines of text.split("\n")
        int newlines = 0;
        int punct = 0;
        int shortLines = 0;
        for (int start = 0; start <= n; ) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = n;
            } else {
                newlines++;
            }
            // lines = [line for line in lines if line.strip() != ""]
            if (PyText.skipSpace(text, start, end) < end) {
                lines++;
                // line.endswith(self.stop_chars), stop_chars = TERMINAL_PUNCTUATION
                if (PyText.isTerminalPunctuation(text.codePointBefore(end))) {
                    punct++;
                }
                if (text.codePointCount(start, end) <= c.shortLineLength()) {
                    shortLines++;
                }
            }
            start = end + 1;
        }
        if (lines == 0) {
            return "empty";
        }
        double ratio = (double) punct / lines;
        if (ratio < c.linePunctThr() && !(ratio == 0 && c.linePunctExcludeZero())) {
            return "line_punct_ratio";
        }
        if ((double) shortLines / lines > c.shortLineThr()) {
            return "short_line_ratio";
        }
        long dupChars = duplicateLineChars(text, lines);
        int charsWithoutNewlines = n - newlines;
        if ((double) dupChars / charsWithoutNewlines > c.charDuplicatesRatio()) {
            return "char_dup_ratio";
        }
        int words = Words.scanShared(text).count;
        if (words == 0 || (double) newlines / words > c.newLineRatio()) {
            return "list_ratio";
        }
        return null;
    }

    /** Characters in the repeats of non-blank lines (every occurrence after the first), given how many there are. */
    static long duplicateLineChars(String text, int lines) {
        LongHashing.Counts seen = new LongHashing.Counts(lines);
        long chars = 0;
        for (int start = 0, n = text.length(); start <= n; ) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = n;
            }
            if (PyText.skipSpace(text, start, end) < end && seen.increment(LongHashing.hash(text, start, end)) > 1) {
                chars += end - start;
            }
            start = end + 1;
        }
        return chars;
    }
}
