package ai.stratum.data.recipe;

/** FineWeb's own quality rules (datatrove's {@code FineWebQualityFilter}) with its defaults. */
public record FineWebConfig(boolean enabled, double linePunctThr, boolean linePunctExcludeZero, double shortLineThr,
                            int shortLineLength, double charDuplicatesRatio, double newLineRatio) {
    public FineWebConfig {
        Checks.fraction("line_punct_thr", linePunctThr);
        Checks.fraction("short_line_thr", shortLineThr);
        Checks.nonNegative("short_line_length", shortLineLength);
        Checks.fraction("char_duplicates_ratio", charDuplicatesRatio);
        Checks.nonNegative("new_line_ratio", newLineRatio);
    }

    public static FineWebConfig defaults() {
        return new FineWebConfig(true, 0.12, false, 0.67, 30, 0.01, 0.3);
    }
}
