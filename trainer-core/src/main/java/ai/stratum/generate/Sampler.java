package ai.stratum.generate;

import java.util.Arrays;
import java.util.Comparator;
import java.util.random.RandomGenerator;

/**
 * Picks the next token from logits: temperature scaling, then top-k, then top-p (nucleus), then a draw from
 * the injected generator. Temperature 0 is greedy (the highest logit; the lowest id among equals).
 * Candidates are ordered by logit, ties by id, so a seed gives the same tokens on every machine.
 */
public final class Sampler {

    /**
     * @param temperature divides the logits; 0 means greedy, otherwise &gt; 0
     * @param topK        keep the k most likely tokens; 0 keeps all
     * @param topP        keep the smallest most-likely set whose probability reaches p, in (0, 1]
     */
    public record Settings(double temperature, int topK, double topP) {
        public Settings {
            if (!(temperature >= 0 && Double.isFinite(temperature))) {
                throw new IllegalArgumentException("temperature: must be >= 0 (0 = greedy), got " + temperature);
            }
            if (topK < 0) {
                throw new IllegalArgumentException("top_k: must be >= 0 (0 = no limit), got " + topK);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("top_p: must be in (0, 1], got " + topP);
            }
        }
    }

    private final Settings settings;
    private final RandomGenerator random;

    public Sampler(Settings settings, RandomGenerator random) {
        this.settings = settings;
        this.random = random;
    }

    /** The probabilities the draw uses, per token id (0 for filtered tokens); for tests and inspection. */
    public double[] distribution(float[] logits) {
        int v = logits.length;
        double[] probs = new double[v];
        if (settings.temperature == 0) {
            probs[argmax(logits)] = 1;
            return probs;
        }
        int keep = settings.topK == 0 ? v : Math.min(settings.topK, v);
        int[] order = best(logits, keep);
        double max = logits[order[0]] / settings.temperature;
        double[] sorted = new double[keep];
        double sum = 0;
        for (int r = 0; r < keep; r++) {
            sorted[r] = Math.exp(logits[order[r]] / settings.temperature - max);
            sum += sorted[r];
        }
        double cumulative = 0;
        int nucleus = keep;
        for (int r = 0; r < keep; r++) {
            cumulative += sorted[r] / sum;
            if (cumulative >= settings.topP) {
                nucleus = r + 1;
                break;
            }
        }
        double kept = 0;
        for (int r = 0; r < nucleus; r++) {
            kept += sorted[r];
        }
        for (int r = 0; r < nucleus; r++) {
            probs[order[r]] = sorted[r] / kept;
        }
        return probs;
    }

    /**
     * The {@code k} best ids in candidate order (logit descending, ties by id ascending): a full sort when k is the
     * vocabulary, else a bounded heap (O(V log k), what a top-k draw over a large vocabulary needs).
     */
    static int[] best(float[] logits, int k) {
        Comparator<Integer> order = (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a])
                : Integer.compare(a, b);
        Integer[] ids;
        if (k >= logits.length) {
            ids = new Integer[logits.length];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = i;
            }
        } else {
            // heap[0] is the worst id kept so far
            int[] heap = new int[k];
            int size = 0;
            for (int id = 0; id < logits.length; id++) {
                if (size < k) {
                    heap[size] = id;
                    for (int c = size++; c > 0 && order.compare(heap[c], heap[(c - 1) / 2]) > 0; c = (c - 1) / 2) {
                        swap(heap, c, (c - 1) / 2);
                    }
                } else if (order.compare(id, heap[0]) < 0) {
                    heap[0] = id;
                    for (int p = 0; ; ) {
                        int worst = p;
                        for (int c = 2 * p + 1; c <= 2 * p + 2 && c < k; c++) {
                            if (order.compare(heap[c], heap[worst]) > 0) {
                                worst = c;
                            }
                        }
                        if (worst == p) {
                            break;
                        }
                        swap(heap, p, worst);
                        p = worst;
                    }
                }
            }
            ids = new Integer[k];
            for (int i = 0; i < k; i++) {
                ids[i] = heap[i];
            }
        }
        Arrays.sort(ids, order);
        int[] out = new int[ids.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids[i];
        }
        return out;
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    public int sample(float[] logits) {
        if (settings.temperature == 0) {
            return argmax(logits);
        }
        double[] probs = distribution(logits);
        double u = random.nextDouble();
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < probs.length; i++) {
            if (probs[i] > 0) {
                cumulative += probs[i];
                last = i;
                if (u < cumulative) {
                    return i;
                }
            }
        }
        return last;
    }

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
