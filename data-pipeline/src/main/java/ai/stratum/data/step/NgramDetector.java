package ai.stratum.data.step;

import com.optimaize.langdetect.DetectedLanguage;
import com.optimaize.langdetect.NgramFrequencyData;
import com.optimaize.langdetect.i18n.LdLocale;
import com.optimaize.langdetect.profiles.LanguageProfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Optimaize language-detector 0.6's detection of a text longer than its short-text limit (50 characters), computed
 * the same way but without its per-step costs: the n-grams of the text are packed into longs (length and up to
 * three UTF-16 units) instead of a substring each, and looked up in an open-addressing table keyed by them instead
 * of a {@code HashMap<String, double[]>}. What it computes is the library's {@code detectBlockLongText}: 7 trials,
 * each from a smoothing alpha 0.5 + N(0, 0.05) drawn from {@code new Random(seed)}, multiplying the language
 * probabilities by the profile vectors of up to 1,000 n-grams picked at random from the text's 1-, 2- and 3-grams
 * (in the library's order: all 1-grams, then 2-grams, then 3-grams of the text padded with a space; 1-grams that
 * are a space and 3-grams with a space in the middle left out), renormalized every 5th step and stopped when one
 * language passes 0.99999; the trials averaged; languages below 0.1 dropped, the rest sorted by probability. Same
 * random draws, same vectors (the library's own {@link NgramFrequencyData}), same arithmetic in the same order:
 * the probabilities equal the library's bit for bit ({@code NgramDetectorTest}).
 * The languages are in the library builder's order (see the constructor). Texts of at most 50 characters take the
 * library's short-text algorithm, also re-implemented: every distinct n-gram once, in order of first appearance
 * (1-grams, then 2-grams, then 3-grams), its vector applied as many times as it occurs, renormalizing after each.
 *
 * <p>Profiled on the large bench corpus, the library's string n-grams and map lookups were most of the language
 * step's time; after them, cache misses. So the vectors are copied into one array, the n-grams with the most
 * probability mass first (the common ones stay close together in memory), each table slot holds its key next to its
 * vector's offset, and the random draws come from an inline copy of {@link java.util.Random}'s generator (its
 * documented 48-bit LCG, {@code nextInt} and polar-method {@code nextGaussian}) without its atomic updates. Each
 * n-gram of a window is looked up once (the trials draw ~660 times from ~460 n-grams, and each probe of the 4 MB
 * table was a likely cache miss), and the up to 5 vectors drawn between two normalizations are applied in one pass
 * over the languages instead of five (the same products in the same order for each language, so the same bits):
 * on the 64,876 windows of the large corpus this took the detector's CPU from 4.2-6.1 s to 2.8-3.8 s, and with
 * {@link LanguageFilter#windowText} the language step of a cold large-corpus bench run from 6.5-7.8 to 4.6-4.7
 * CPU-s.
 */
final class NgramDetector {
    private static final int SHORT_TEXT = 50;
    private static final int TRIALS = 7;
    private static final int ITERATION_LIMIT = 1000;
    private static final double CONVERGED = 0.99999;
    private static final double BASE_FREQ = 10000;
    private static final double ALPHA = 0.5;
    private static final double ALPHA_WIDTH = 0.05;
    private static final double PROBABILITY_THRESHOLD = 0.1;

    private final List<LdLocale> languages;
    private final int langs;
    private final long seed;
    /** Open addressing, two longs a slot: packed n-gram (0: empty), offset of its vector in {@link #pool}. */
    private final long[] table;
    private final int mask;
    /** Every n-gram's probability in each language, {@code langs} doubles each. */
    private final double[] pool;
    /** Offset of the row of zeros after the last vector. */
    private final int zeroRow;

    NgramDetector(List<LanguageProfile> profiles, long seed) {
        this.seed = seed;
        // the builder's order: a HashSet filled one by one (LanguageProfile hashes its locale and grams, so the
        // order is the same in every run)
        java.util.Set<LanguageProfile> set = new java.util.HashSet<>();
        for (LanguageProfile p : profiles) {
            set.add(p);
        }
        List<LanguageProfile> ordered = new ArrayList<>(set);
        NgramFrequencyData data = NgramFrequencyData.create(ordered, List.of(1, 2, 3));
        this.languages = data.getLanguageList();
        this.langs = languages.size();
        java.util.LinkedHashSet<String> distinct = new java.util.LinkedHashSet<>();
        for (LanguageProfile p : ordered) {
            for (int n = 1; n <= 3; n++) {
                for (Map.Entry<String, Integer> e : p.iterateGrams(n)) {
                    distinct.add(e.getKey());
                }
            }
        }
        List<String> grams = new ArrayList<>(distinct);
        double[] mass = new double[grams.size()];
        Integer[] order = new Integer[grams.size()];
        for (int i = 0; i < mass.length; i++) {
            for (double v : data.getProbabilities(grams.get(i))) {
                mass[i] += v;
            }
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> mass[a] != mass[b] ? Double.compare(mass[b], mass[a])
                : Long.compare(key(grams.get(a), 0, grams.get(a).length()), key(grams.get(b), 0,
                grams.get(b).length())));
        int capacity = Integer.highestOneBit(Math.max(16, grams.size() * 2)) << 1;
        this.table = new long[2 * capacity];
        this.mask = capacity - 1;
        this.pool = new double[(grams.size() + 1) * langs];
        this.zeroRow = grams.size() * langs;
        for (int rank = 0; rank < order.length; rank++) {
            String g = grams.get(order[rank]);
            System.arraycopy(data.getProbabilities(g), 0, pool, rank * langs, langs);
            long k = key(g, 0, g.length());
            int slot = slot(k);
            table[2 * slot] = k;
            table[2 * slot + 1] = (long) rank * langs;
        }
    }

    /** An n-gram of 1-3 UTF-16 units as a nonzero long: its length above the units. */
    static long key(CharSequence s, int from, int len) {
        long k = len;
        for (int i = 0; i < len; i++) {
            k = (k << 16) | s.charAt(from + i);
        }
        return k;
    }

    /** The slot holding {@code k}, or the empty slot where it would go. */
    private int slot(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        int i = (int) (h ^ (h >>> 32)) & mask;
        while (table[2 * i] != 0 && table[2 * i] != k) {
            i = (i + 1) & mask;
        }
        return i;
    }

    /** Offset of the n-gram's vector in {@link #pool}, or -1 when no profile has it. */
    int vector(long k) {
        int i = slot(k);
        return table[2 * i] == 0 ? -1 : (int) table[2 * i + 1];
    }

    /** Detected languages with probability >= 0.1, most probable first (the library's getProbabilities). */
    List<DetectedLanguage> getProbabilities(CharSequence text) {
        if (text.length() == 0) {
            return List.of();
        }
        double[] prob = text.length() <= SHORT_TEXT ? shortText(text) : longText(text);
        if (prob == null) {
            return List.of();
        }
        List<DetectedLanguage> out = new ArrayList<>();
        for (int j = 0; j < prob.length; j++) {
            if (prob[j] >= PROBABILITY_THRESHOLD) {
                out.add(new DetectedLanguage(languages.get(j), prob[j]));
            }
        }
        out.sort((a, b) -> Double.compare(b.getProbability(), a.getProbability())); // stable: ties keep index order
        return out;
    }

    private double[] longText(CharSequence text) {
        int[] vectors = vectors(text);
        int count = vectors.length;
        double[] langprob = new double[langs];
        Lcg rand = new Lcg(seed);
        double[] prob = new double[langs];
        for (int t = 0; t < TRIALS; t++) {
            java.util.Arrays.fill(prob, 1.0 / langs);
            double alpha = ALPHA + rand.nextGaussian() * ALPHA_WIDTH;
            double weight = alpha / BASE_FREQ;
            // the library's iterations i = 0..999 in blocks that end where it normalizes (i % 5 == 0): {0},
            // {1..5}, {6..10}, ..., {996..999} (this last one without normalizing); a block's draws do not
            // depend on the probabilities, so they are made first and its vectors applied in one pass
            for (int i = 0; i < ITERATION_LIMIT; ) {
                int end = i == 0 ? 1 : Math.min(i + 5, ITERATION_LIMIT);
                int a = vectors[rand.nextInt(count)];
                int b = end - i > 1 ? vectors[rand.nextInt(count)] : -1;
                int c = end - i > 2 ? vectors[rand.nextInt(count)] : -1;
                int d = end - i > 3 ? vectors[rand.nextInt(count)] : -1;
                int e = end - i > 4 ? vectors[rand.nextInt(count)] : -1;
                apply(prob, weight, a, b, c, d, e);
                i = end;
                if ((end - 1) % 5 == 0 && normalize(prob) > CONVERGED) {
                    break;
                }
            }
            for (int j = 0; j < langprob.length; j++) {
                langprob[j] += prob[j] / TRIALS;
            }
        }
        return langprob;
    }

    /**
     * {@code prob[j] *= weight + pool[v + j]} for the vectors {@code a..e} in turn, -1 for none (a draw no profile
     * knows, or past the block's end): each element gets the same products in the same order as one pass per
     * vector, and an absent vector multiplies by exactly 1 (1.0 + 0.0, the zero row at the end of the pool).
     */
    private void apply(double[] prob, double weight, int a, int b, int c, int d, int e) {
        double wa = a < 0 ? 1.0 : weight;
        double wb = b < 0 ? 1.0 : weight;
        double wc = c < 0 ? 1.0 : weight;
        double wd = d < 0 ? 1.0 : weight;
        double we = e < 0 ? 1.0 : weight;
        int va = a < 0 ? zeroRow : a;
        int vb = b < 0 ? zeroRow : b;
        int vc = c < 0 ? zeroRow : c;
        int vd = d < 0 ? zeroRow : d;
        int ve = e < 0 ? zeroRow : e;
        double[] p = pool;
        for (int j = 0; j < prob.length; j++) {
            prob[j] = prob[j] * (wa + p[va + j]) * (wb + p[vb + j]) * (wc + p[vc + j]) * (wd + p[vd + j])
                    * (we + p[ve + j]);
        }
    }

    /**
     * Offset in {@link #pool} of the vector of each of the text's n-grams, in the order of {@link #grams}, -1 for
     * those no profile has; the same n-grams as {@link #grams}, read from a padded copy of the text.
     */
    int[] vectors(CharSequence text) {
        int n = text.length();
        boolean left = text.charAt(0) != ' ';
        boolean right = text.charAt(n - 1) != ' ';
        char[] c = new char[n + 2];
        text.toString().getChars(0, n, c, left ? 1 : 0);
        c[0] = ' ';
        int len = n + (left ? 1 : 0) + (right ? 1 : 0);
        c[len - 1] = ' ';
        int[] out = new int[3 * len];
        int k = 0;
        for (int pos = 0; pos < len; pos++) {
            if (c[pos] != ' ') {
                out[k++] = vector(1L << 16 | c[pos]);
            }
        }
        for (int pos = 0; pos + 1 < len; pos++) {
            out[k++] = vector(2L << 32 | (long) c[pos] << 16 | c[pos + 1]);
        }
        for (int pos = 0; pos + 2 < len; pos++) {
            if (c[pos + 1] != ' ') {
                out[k++] = vector(3L << 48 | (long) c[pos] << 32 | (long) c[pos + 1] << 16 | c[pos + 2]);
            }
        }
        return java.util.Arrays.copyOf(out, k);
    }

    /** The library's short-text algorithm; null when the text has no n-gram. */
    private double[] shortText(CharSequence text) {
        long[] grams = grams(text);
        if (grams.length == 0) {
            return null;
        }
        // distinct n-grams in order of first appearance, with their counts (grams() lists 1-, 2-, then 3-grams)
        java.util.LinkedHashMap<Long, Integer> counts = new java.util.LinkedHashMap<>();
        for (long g : grams) {
            counts.merge(g, 1, Integer::sum);
        }
        double[] prob = new double[langs];
        java.util.Arrays.fill(prob, 1.0 / langs);
        double weight = ALPHA / BASE_FREQ;
        for (Map.Entry<Long, Integer> e : counts.entrySet()) {
            int v = vector(e.getKey());
            if (v >= 0) {
                for (int j = 0; j < langs; j++) {
                    for (int c = 0; c < e.getValue(); c++) {
                        prob[j] *= weight + pool[v + j];
                    }
                }
            }
            if (normalize(prob) > CONVERGED) {
                break;
            }
        }
        normalize(prob);
        return prob;
    }

    /** Divides by the sum; returns the largest share (the library's {@code Util.normalizeProb}). */
    private static double normalize(double[] prob) {
        double max = 0;
        double sum = 0;
        for (double p : prob) {
            sum += p;
            max = Math.max(max, p);
        }
        for (int i = 0; i < prob.length; i++) {
            prob[i] = prob[i] / sum;
        }
        // the largest quotient is the largest numerator's: division by a positive number rounds monotonically
        return max / sum;
    }

    /**
     * The text's n-grams in the library's order: the text padded with a space on each side where it does not
     * already have one, then its 1-grams except spaces, all 2-grams, and 3-grams without a space in the middle.
     */
    static long[] grams(CharSequence raw) {
        CharSequence text = raw;
        if (raw.charAt(0) != ' ' || raw.charAt(raw.length() - 1) != ' ') {
            StringBuilder sb = new StringBuilder(raw.length() + 2);
            if (raw.charAt(0) != ' ') {
                sb.append(' ');
            }
            sb.append(raw);
            if (raw.charAt(raw.length() - 1) != ' ') {
                sb.append(' ');
            }
            text = sb;
        }
        int len = text.length();
        long[] out = new long[3 * len];
        int n = 0;
        for (int pos = 0; pos < len; pos++) {
            if (text.charAt(pos) != ' ') {
                out[n++] = key(text, pos, 1);
            }
        }
        for (int pos = 0; pos + 1 < len; pos++) {
            out[n++] = key(text, pos, 2);
        }
        for (int pos = 0; pos + 2 < len; pos++) {
            if (text.charAt(pos + 1) != ' ') {
                out[n++] = key(text, pos, 3);
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /**
     * {@link java.util.Random}'s generator as its documentation specifies it (the 48-bit linear congruential
     * generator, {@code nextInt(bound)}, {@code nextDouble} and the polar method of {@code nextGaussian}), the same
     * numbers for the same seed, on one thread without atomic updates.
     */
    static final class Lcg {
        private static final long MULTIPLIER = 0x5DEECE66DL;
        private static final long MASK = (1L << 48) - 1;
        private long state;
        private double nextNextGaussian;
        private boolean haveNextNextGaussian;

        Lcg(long seed) {
            state = (seed ^ MULTIPLIER) & MASK;
        }

        private int next(int bits) {
            state = (state * MULTIPLIER + 0xBL) & MASK;
            return (int) (state >>> (48 - bits));
        }

        int nextInt(int bound) {
            int r = next(31);
            int m = bound - 1;
            if ((bound & m) == 0) {
                return (int) ((bound * (long) r) >> 31);
            }
            for (int u = r; u - (r = u % bound) + m < 0; u = next(31)) {
                // rejected: draw again
            }
            return r;
        }

        double nextDouble() {
            return (((long) next(26) << 27) + next(27)) * 0x1.0p-53;
        }

        double nextGaussian() {
            if (haveNextNextGaussian) {
                haveNextNextGaussian = false;
                return nextNextGaussian;
            }
            double v1;
            double v2;
            double s;
            do {
                v1 = 2 * nextDouble() - 1;
                v2 = 2 * nextDouble() - 1;
                s = v1 * v1 + v2 * v2;
            } while (s >= 1 || s == 0);
            double multiplier = StrictMath.sqrt(-2 * StrictMath.log(s) / s);
            nextNextGaussian = v2 * multiplier;
            haveNextNextGaussian = true;
            return v1 * multiplier;
        }
    }
}
