package ai.stratum.data.dedup;

import ai.stratum.data.recipe.DedupConfig;

import java.util.SplittableRandom;

/**
 * MinHash signatures over word shingles and their LSH band keys.
 *
 * <p>Each shingle ({@code ngrams} consecutive words of the simplified text) is hashed once to 64 bits; hash
 * function i is then {@code (a_i * x + b_i) >>> 32} with odd random {@code a_i} (multiply-shift universal
 * hashing), so a signature costs one multiply-add per shingle and row. The coefficients come from the seed,
 * so signatures are reproducible and comparable across runs with the same seed.
 */
public final class MinHash {
    private final int ngrams;
    private final int bands;
    private final int rows;
    private final long[] a;
    private final long[] b;

    public MinHash(DedupConfig config) {
        this.ngrams = config.ngrams();
        this.bands = config.bands();
        this.rows = config.rowsPerBand();
        int n = bands * rows;
        SplittableRandom random = new SplittableRandom(config.seed());
        a = new long[n];
        b = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextLong() | 1L;
            b[i] = random.nextLong();
        }
    }

    public int hashes() {
        return a.length;
    }

    /** The signature of a text: {@code bands * rows} minimums; null when it has fewer than {@code ngrams} words. */
    public int[] signature(String text) {
        String[] words = TextSimplifier.simplify(text).split(" ");
        if (words.length < ngrams || words[0].isEmpty()) {
            return null;
        }
        long[] wordHashes = new long[words.length];
        for (int i = 0; i < words.length; i++) {
            wordHashes[i] = mix(words[i].hashCode() * 0x9E3779B97F4A7C15L + words[i].length());
        }
        long[] mins = new long[a.length];
        java.util.Arrays.fill(mins, Long.MAX_VALUE);
        for (int start = 0; start + ngrams <= words.length; start++) {
            long x = 0x632BE59BD9B4E019L;
            for (int k = start; k < start + ngrams; k++) {
                x = mix(x ^ wordHashes[k]) + k - start;
            }
            for (int i = 0; i < mins.length; i++) {
                long h = (a[i] * x + b[i]) >>> 32;
                if (h < mins[i]) {
                    mins[i] = h;
                }
            }
        }
        int[] sig = new int[mins.length];
        for (int i = 0; i < sig.length; i++) {
            sig[i] = (int) mins[i];
        }
        return sig;
    }

    /** One 64-bit key per band: two signatures share a band key iff they agree on all its rows (up to 2^-64). */
    public long[] bandKeys(int[] signature) {
        long[] keys = new long[bands];
        for (int band = 0; band < bands; band++) {
            long h = 0x9E3779B97F4A7C15L * (band + 1);
            for (int r = 0; r < rows; r++) {
                h = mix(h ^ (signature[band * rows + r] & 0xFFFFFFFFL));
            }
            keys[band] = h;
        }
        return keys;
    }

    /** Fraction of equal rows: the MinHash estimate of the Jaccard similarity of the two shingle sets. */
    public static double estimateJaccard(int[] x, int[] y) {
        int same = 0;
        for (int i = 0; i < x.length; i++) {
            if (x[i] == y[i]) {
                same++;
            }
        }
        return (double) same / x.length;
    }

    /** Murmur3's 64-bit finalizer. */
    static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb93fe53b3f3bL;
        return z ^ (z >>> 33);
    }
}
