package ai.stratum.data.step;

import java.util.Arrays;

/** 64-bit hashing helpers and a primitive long -> count table, for the repetition rules' hot loops. */
final class LongHashing {
    private LongHashing() {
    }

    /** Murmur3's 64-bit finalizer. */
    static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb93fe53b3f3bL;
        return z ^ (z >>> 33);
    }

    /** 64-bit hash of text[from, to). */
    static long hash(String text, int from, int to) {
        long h = 0xCBF29CE484222325L;
        for (int k = from; k < to; k++) {
            h = (h ^ text.charAt(k)) * 0x100000001B3L;
        }
        return mix(h + (to - from));
    }

    /**
     * Open-addressing map from long keys to int counts, sized for a known number of insertions. Keys must be
     * well-mixed hashes (every caller's are: {@link #hash}, {@link #mix} or a multiplicative n-gram hash): the slot
     * is a key's top bits, with no further mixing. A slot with count 0 is free, so there is no separate used mark,
     * and {@link #clear} only zeroes the counts. Each key also remembers the position it was first added at.
     */
    static final class Counts {
        private final long[] keys;
        private final int[] values;
        private final int[] firsts;
        private final int mask;
        private final int shift;

        Counts(int expected) {
            int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
            keys = new long[cap];
            values = new int[cap];
            firsts = new int[cap];
            mask = cap - 1;
            shift = 64 - Integer.numberOfTrailingZeros(cap);
        }

        private int slot(long key) {
            int i = (int) (key >>> shift);
            while (values[i] != 0 && keys[i] != key) {
                i = (i + 1) & mask;
            }
            return i;
        }

        /** Adds one to the key's count and returns the new count. */
        int increment(long key) {
            int i = slot(key);
            keys[i] = key;
            return ++values[i];
        }

        /**
         * Adds one to the key's count, remembering {@code position} if the key is new; returns its slot, for
         * {@link #countAt} and {@link #firstAt}.
         */
        int add(long key, int position) {
            int i = slot(key);
            if (values[i]++ == 0) {
                keys[i] = key;
                firsts[i] = position;
            }
            return i;
        }

        int countAt(int slot) {
            return values[slot];
        }

        int firstAt(int slot) {
            return firsts[slot];
        }

        int get(long key) {
            return values[slot(key)];
        }

        void clear() {
            Arrays.fill(values, 0);
        }
    }
}
