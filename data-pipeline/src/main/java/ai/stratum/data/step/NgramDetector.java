package ai.stratum.data.step;

import com.optimaize.langdetect.DetectedLanguage;
import com.optimaize.langdetect.LanguageDetector;
import com.optimaize.langdetect.NgramFrequencyData;
import com.optimaize.langdetect.i18n.LdLocale;
import com.optimaize.langdetect.profiles.LanguageProfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

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
 * The languages are in the library builder's order (see the constructor). Texts of at
 * most 50 characters go to the library's detector (its short-text algorithm).
 *
 * <p>Profiled on the large bench corpus, the library's string n-grams and map lookups were most of the language
 * step's time.
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
    private final LanguageDetector shortTexts;
    private final long seed;
    /** Open addressing: packed n-gram (never 0) -> its probability in each language. */
    private final long[] keys;
    private final double[][] vectors;
    private final int mask;

    NgramDetector(List<LanguageProfile> profiles, LanguageDetector shortTexts, long seed) {
        this.shortTexts = shortTexts;
        this.seed = seed;
        // the builder's order: a HashSet filled one by one (LanguageProfile hashes its locale and grams, so the
        // order is the same in every run)
        java.util.Set<LanguageProfile> set = new java.util.HashSet<>();
        for (LanguageProfile p : profiles) {
            set.add(p);
        }
        profiles = new ArrayList<>(set);
        NgramFrequencyData data = NgramFrequencyData.create(profiles, List.of(1, 2, 3));
        this.languages = data.getLanguageList();
        List<String> grams = new ArrayList<>();
        for (LanguageProfile p : profiles) {
            for (int n = 1; n <= 3; n++) {
                for (Map.Entry<String, Integer> e : p.iterateGrams(n)) {
                    grams.add(e.getKey());
                }
            }
        }
        int capacity = Integer.highestOneBit(Math.max(16, grams.size() * 2)) << 1;
        this.keys = new long[capacity];
        this.vectors = new double[capacity][];
        this.mask = capacity - 1;
        for (String g : grams) {
            long k = key(g, 0, g.length());
            int slot = slot(k);
            if (keys[slot] == 0) {
                keys[slot] = k;
                vectors[slot] = data.getProbabilities(g);
            }
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
        while (keys[i] != 0 && keys[i] != k) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private double[] vector(long k) {
        int i = slot(k);
        return keys[i] == 0 ? null : vectors[i];
    }

    /** Detected languages with probability >= 0.1, most probable first (the library's getProbabilities). */
    List<DetectedLanguage> getProbabilities(CharSequence text) {
        if (text.length() <= SHORT_TEXT) {
            return shortTexts.getProbabilities(text);
        }
        long[] grams = grams(text);
        int count = grams.length;
        double[] langprob = new double[languages.size()];
        Random rand = new Random(seed);
        double[] prob = new double[languages.size()];
        for (int t = 0; t < TRIALS; t++) {
            java.util.Arrays.fill(prob, 1.0 / languages.size());
            double alpha = ALPHA + rand.nextGaussian() * ALPHA_WIDTH;
            double weight = alpha / BASE_FREQ;
            for (int i = 0; i < ITERATION_LIMIT; i++) {
                double[] v = vector(grams[rand.nextInt(count)]);
                if (v != null) {
                    for (int j = 0; j < prob.length; j++) {
                        prob[j] *= weight + v[j];
                    }
                }
                if (i % 5 == 0 && normalize(prob) > CONVERGED) {
                    break;
                }
            }
            for (int j = 0; j < langprob.length; j++) {
                langprob[j] += prob[j] / TRIALS;
            }
        }
        List<DetectedLanguage> out = new ArrayList<>();
        for (int j = 0; j < langprob.length; j++) {
            if (langprob[j] >= PROBABILITY_THRESHOLD) {
                out.add(new DetectedLanguage(languages.get(j), langprob[j]));
            }
        }
        out.sort((a, b) -> Double.compare(b.getProbability(), a.getProbability())); // stable: ties keep index order
        return out;
    }

    /** Divides by the sum; returns the largest share (the library's {@code Util.normalizeProb}). */
    private static double normalize(double[] prob) {
        double max = 0;
        double sum = 0;
        for (double p : prob) {
            sum += p;
        }
        for (int i = 0; i < prob.length; i++) {
            double p = prob[i] / sum;
            if (max < p) {
                max = p;
            }
            prob[i] = p;
        }
        return max;
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
}
