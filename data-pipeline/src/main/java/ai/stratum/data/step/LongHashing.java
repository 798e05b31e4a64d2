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

    /** Open-addressing map from long keys to int counts; sized for a known number of insertions. */
    static final class Counts {
        private final long[] keys;
        private final int[] values;
        private final boolean[] used;
        private final int mask;

        Counts(int expected) {
            int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
            keys = new long[cap];
            values = new int[cap];
            used = new boolean[cap];
            mask = cap - 1;
        }

        /** Adds one to the key's count and returns the new count. */
        int increment(long key) {
            int i = (int) mix(key) & mask;
            while (used[i] && keys[i] != key) {
                i = (i + 1) & mask;
            }
            if (!used[i]) {
                used[i] = true;
                keys[i] = key;
            }
            return ++values[i];
        }

        int get(long key) {
            int i = (int) mix(key) & mask;
            while (used[i]) {
                if (keys[i] == key) {
                    return values[i];
                }
                i = (i + 1) & mask;
            }
            return 0;
        }

        void clear() {
            Arrays.fill(used, false);
            Arrays.fill(values, 0);
        }
    }
}
