package ai.stratum.generate;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {

    /** Probabilities 0.5, 0.3, 0.15, 0.05 at temperature 1. */
    private static final float[] LOGITS = {
            (float) Math.log(0.15), (float) Math.log(0.5), (float) Math.log(0.05), (float) Math.log(0.3)};

    private static Sampler sampler(double temperature, int topK, double topP, long seed) {
        return new Sampler(new Sampler.Settings(temperature, topK, topP), new SplittableRandom(seed));
    }

    @Test
    void greedyTakesTheLargestLogitAndTheLowestIdOnTies() {
        assertEquals(1, sampler(0, 0, 1, 1).sample(LOGITS));
        assertEquals(2, sampler(0, 0, 1, 1).sample(new float[]{0, 1, 3, 3}));
    }

    @Test
    void distributionAppliesTemperatureTopKAndTopP() {
        assertArrayEquals(new double[]{0.15, 0.5, 0.05, 0.3}, sampler(1, 0, 1, 1).distribution(LOGITS), 1e-6);
        // top-k 2 keeps 0.5 and 0.3, renormalized
        assertArrayEquals(new double[]{0, 0.625, 0, 0.375}, sampler(1, 2, 1, 1).distribution(LOGITS), 1e-6);
        // top-p 0.9: 0.5 + 0.3 = 0.8 < 0.9, + 0.15 = 0.95 >= 0.9: three tokens
        assertArrayEquals(new double[]{0.15 / 0.95, 0.5 / 0.95, 0, 0.3 / 0.95},
                sampler(1, 0, 0.9, 1).distribution(LOGITS), 1e-6);
        // temperature 0.5 squares the probabilities before normalizing
        double z = 0.15 * 0.15 + 0.25 + 0.0025 + 0.09;
        assertArrayEquals(new double[]{0.0225 / z, 0.25 / z, 0.0025 / z, 0.09 / z},
                sampler(0.5, 0, 1, 1).distribution(LOGITS), 1e-6);
    }

    @Test
    void drawsFollowTheDistributionAndRepeatForASeed() {
        Sampler s = sampler(1, 0, 0.9, 42);
        int n = 100_000;
        int[] counts = new int[4];
        for (int i = 0; i < n; i++) {
            counts[s.sample(LOGITS)]++;
        }
        double[] expected = {0.15 / 0.95, 0.5 / 0.95, 0, 0.3 / 0.95};
        for (int i = 0; i < 4; i++) {
            // 5 standard deviations of a binomial proportion at n = 100k is at most 0.008
            assertEquals(expected[i], counts[i] / (double) n, 0.008, "token " + i);
        }
        assertEquals(0, counts[2], "the token outside the nucleus is never drawn");
        int[] a = new int[50];
        int[] b = new int[50];
        Sampler s1 = sampler(0.8, 3, 0.95, 7);
        Sampler s2 = sampler(0.8, 3, 0.95, 7);
        for (int i = 0; i < 50; i++) {
            a[i] = s1.sample(LOGITS);
            b[i] = s2.sample(LOGITS);
        }
        assertArrayEquals(a, b);
        assertTrue(java.util.Arrays.stream(a).distinct().count() > 1);
    }

    /** The top-k selection by bounded heap keeps exactly the ids, in exactly the order, a full sort gives. */
    @Test
    void topKSelectionEqualsTheFullSortTiesIncluded() {
        SplittableRandom rng = new SplittableRandom(3);
        for (int round = 0; round < 20; round++) {
            float[] logits = new float[1 + rng.nextInt(300)];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = rng.nextInt(12) / 4f; // few distinct values: many ties
            }
            Integer[] all = new Integer[logits.length];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            java.util.Arrays.sort(all, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a])
                    : Integer.compare(a, b));
            for (int k : new int[] {1, 2, 7, 40, logits.length}) {
                int kk = Math.min(k, logits.length);
                int[] expected = java.util.Arrays.stream(all).limit(kk).mapToInt(Integer::intValue).toArray();
                assertArrayEquals(expected, Sampler.best(logits, kk), "k " + kk + " of " + logits.length);
            }
        }
    }

    @Test
    void rejectsSettingsNamingTheOption() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Sampler.Settings(-1, 0, 1))
                .getMessage().startsWith("temperature:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Sampler.Settings(1, -1, 1))
                .getMessage().startsWith("top_k:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Sampler.Settings(1, 0, 0))
                .getMessage().startsWith("top_p:"));
    }
}
