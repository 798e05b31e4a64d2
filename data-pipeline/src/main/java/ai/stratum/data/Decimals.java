package ai.stratum.data;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * {@code String.format(Locale.ROOT, "%.Nf", v)} for the scores the steps write into metadata and reject details,
 * without {@link java.util.Formatter}: parsing the format string and building its symbols on every document cost
 * more than the step's own arithmetic, and C2 compiled the formatter's large methods early in every cold run. The
 * text is the same: Java's {@code %f} rounds the shortest decimal that identifies the double
 * ({@link Double#toString}) half-up, which is what {@link BigDecimal#valueOf(double)} and
 * {@link BigDecimal#setScale(int, RoundingMode)} with {@link RoundingMode#HALF_UP} do; the sign of a negative
 * value that rounds to zero (and of -0.0) is kept, as {@code %f} keeps it ({@code DecimalsTest}).
 */
public final class Decimals {
    private Decimals() {
    }

    /** {@code v} with {@code digits} digits after the point, as {@code String.format(Locale.ROOT, "%.{digits}f", v)}. */
    public static String fixed(double v, int digits) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return Double.toString(v);
        }
        String s = BigDecimal.valueOf(v).setScale(digits, RoundingMode.HALF_UP).toPlainString();
        boolean negative = v < 0 || (v == 0 && 1 / v < 0);
        return negative && s.charAt(0) != '-' ? "-" + s : s;
    }
}
