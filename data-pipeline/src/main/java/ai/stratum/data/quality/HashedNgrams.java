package ai.stratum.data.quality;

import java.util.Arrays;

/**
 * fastText-style features: the text's words (maximal runs of letters and digits, lowercased) and, up to
 * {@code maxN}, their n-grams, each hashed to one of {@code 2^bits} buckets. Hashing is FNV-1a over the word's
 * UTF-16 units, then a Murmur3 finalizer; an n-gram's hash chains its words' hashes, so word order matters.
 * The bucket of a 64-bit hash is its top {@code bits} bits.
 */
public final class HashedNgrams {
    private final int bits;
    private final int maxN;

    public HashedNgrams(int bits, int maxN) {
        if (bits < 10 || bits > 26) {
            throw new IllegalArgumentException("bits: the classifier hashes into 2^bits buckets with 10 <= bits <= 26, "
                    + "got " + bits);
        }
        if (maxN < 1 || maxN > 5) {
            throw new IllegalArgumentException("ngrams: 1 to 5 (words, word pairs, ...), got " + maxN);
        }
        this.bits = bits;
        this.maxN = maxN;
    }

    public int bits() {
        return bits;
    }

    public int maxN() {
        return maxN;
    }

    public int buckets() {
        return 1 << bits;
    }

    /** The buckets of all features of a text, in text order (a repeated feature appears each time). */
    public int[] features(CharSequence text) {
        long[] words = wordHashes(text);
        int n = words.length;
        int total = 0;
        for (int k = 1; k <= maxN; k++) {
            total += Math.max(0, n - k + 1);
        }
        int[] out = new int[total];
        int at = 0;
        for (int i = 0; i < n; i++) {
            long h = words[i];
            out[at++] = bucket(h);
            for (int k = 2; k <= maxN && i + k <= n; k++) {
                h = mix(h * 0x9E3779B97F4A7C15L + words[i + k - 1] + k);
                out[at++] = bucket(h);
            }
        }
        return out;
    }

    private int bucket(long h) {
        return (int) (h >>> (64 - bits));
    }

    /** 64-bit hashes of the words: runs of letters or digits, lowercased. */
    static long[] wordHashes(CharSequence text) {
        long[] out = new long[64];
        int count = 0;
        int len = text.length();
        int i = 0;
        while (i < len) {
            while (i < len && !Character.isLetterOrDigit(text.charAt(i))) {
                i++;
            }
            if (i >= len) {
                break;
            }
            long h = 0xCBF29CE484222325L;
            while (i < len && Character.isLetterOrDigit(text.charAt(i))) {
                h = (h ^ Character.toLowerCase(text.charAt(i))) * 0x100000001B3L;
                i++;
            }
            if (count == out.length) {
                out = Arrays.copyOf(out, count * 2);
            }
            out[count++] = mix(h);
        }
        return Arrays.copyOf(out, count);
    }

    /** Murmur3's 64-bit finalizer. */
    static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb93fe53b3f3bL;
        return z ^ (z >>> 33);
    }
}
