package ai.stratum.data;

import org.junit.jupiter.api.Test;

import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DecimalsTest {

    private static void same(double v, int digits) {
        assertEquals(String.format(Locale.ROOT, "%." + digits + "f", v), Decimals.fixed(v, digits), "value " + v);
    }

    @Test
    void equalsStringFormatOnScoresTiesSignsAndSpecialValues() {
        // ties in the shortest decimal (0.15 is 0.1499999... in binary: %f rounds the decimal up), signs, zeros
        double[] edges = {0.0, -0.0, 1.0, -1.0, 0.15, 0.25, 0.00005, 0.99995, 0.999949999, -0.00004, -0.00005,
                0.12345, 0.5, 1e-10, -1e-10, 123456.789, -3.25, 1e-5, 9.99995, Double.MIN_VALUE, -Double.MIN_VALUE,
                Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e21, 0.1 + 0.2};
        for (double v : edges) {
            for (int d = 0; d <= 6; d++) {
                same(v, d);
            }
        }
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            same(rng.nextDouble(), 3);
            same(rng.nextDouble(), 4);
            // perplexity scores: -log perplexity, a few units below zero
            same(-12 * rng.nextDouble(), 4);
            // values on a 5th-decimal tie grid
            same(Math.round(rng.nextDouble() * 200_000) / 200_000.0, 4);
        }
    }
}
