package ai.stratum.quality;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The perplexity scorer's settings, from the recipe's {@code filters.quality.options} (every key optional; any
 * other key is refused by name):
 * <ul>
 *   <li>{@code seq_len}: tokens per window, 0 (default) = the model's context length, at most 2048;</li>
 *   <li>{@code batch}: windows per forward (default 4);</li>
 *   <li>{@code buckets}: {@code [middle_min, head_min]}, CCNet's buckets as thresholds on the score
 *       (-log perplexity): {@code head} from {@code head_min} up, {@code middle} from {@code middle_min}, below it
 *       {@code tail}; {@code []} (default) attaches no bucket. {@code stratum data perplexity-buckets} computes
 *       them as the 33rd and 66th percentiles of a sample.</li>
 * </ul>
 */
public record PerplexityOptions(int seqLen, int batch, double[] buckets) {
    static final Set<String> KEYS = new TreeSet<>(List.of("seq_len", "batch", "buckets"));
    private static final String PREFIX = "filters.quality.options.";

    public PerplexityOptions {
        if (seqLen < 0 || seqLen == 1) {
            throw new IllegalArgumentException(PREFIX + "seq_len: 0 (the model's context length) or at least 2, got "
                    + seqLen);
        }
        if (batch < 1 || batch > 1024) {
            throw new IllegalArgumentException(PREFIX + "batch: 1 to 1024 windows per forward, got " + batch);
        }
        if (buckets.length != 0 && (buckets.length != 2 || !Double.isFinite(buckets[0])
                || !Double.isFinite(buckets[1]) || !(buckets[0] <= buckets[1]))) {
            throw new IllegalArgumentException(PREFIX + "buckets: [middle_min, head_min], two finite scores "
                    + "(-log perplexity) with middle_min <= head_min, or [] for none; got " + java.util.Arrays.toString(
                    buckets));
        }
        buckets = buckets.clone();
    }

    public static PerplexityOptions of(Map<String, Object> options) {
        for (String k : options.keySet()) {
            if (!KEYS.contains(k)) {
                throw new IllegalArgumentException(PREFIX + k + ": unknown option of the perplexity scorer; known: "
                        + KEYS);
            }
        }
        return new PerplexityOptions(integer(options, "seq_len", 0), integer(options, "batch", 4),
                numbers(options, "buckets"));
    }

    /** The CCNet bucket of a score, or null without thresholds. */
    public String bucket(double score) {
        if (buckets.length == 0) {
            return null;
        }
        return score >= buckets[1] ? "head" : score >= buckets[0] ? "middle" : "tail";
    }

    private static int integer(Map<String, Object> o, String key, int dflt) {
        Object v = o.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Integer i)) {
            throw new IllegalArgumentException(PREFIX + key + ": a whole number, got '" + v + "'");
        }
        return i;
    }

    private static double[] numbers(Map<String, Object> o, String key) {
        Object v = o.get(key);
        if (v == null) {
            return new double[0];
        }
        if (!(v instanceof List<?> list)) {
            throw new IllegalArgumentException(PREFIX + key + ": a list [middle_min, head_min], got '" + v + "'");
        }
        List<Double> out = new ArrayList<>();
        for (Object x : list) {
            if (!(x instanceof Number n)) {
                throw new IllegalArgumentException(PREFIX + key + ": numbers only, got '" + x + "'");
            }
            out.add(n.doubleValue());
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PerplexityOptions p && p.seqLen == seqLen && p.batch == batch
                && java.util.Arrays.equals(p.buckets, buckets);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * seqLen + batch) + java.util.Arrays.hashCode(buckets);
    }

    @Override
    public String toString() {
        return "seq_len " + seqLen + ", batch " + batch + ", buckets " + java.util.Arrays.toString(buckets);
    }
}
