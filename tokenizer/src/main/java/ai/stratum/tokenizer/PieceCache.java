package ai.stratum.tokenizer;

import java.util.Arrays;

/**
 * A bounded cache from pre-token text to its token ids, looked up by a range of a larger string without
 * allocating a substring. One per thread; cleared whole when it fills, which keeps frequent pieces hot.
 */
final class PieceCache {
    /** Longer pieces are rare and would crowd out the frequent short ones. */
    static final int MAX_PIECE_CHARS = 128;
    private final String[] keys;
    private final int[][] values;
    private final int mask;
    private final int limit;
    private int size;

    PieceCache(int slots) {
        int capacity = Integer.highestOneBit(slots - 1) << 1;
        keys = new String[capacity];
        values = new int[capacity][];
        mask = capacity - 1;
        limit = capacity / 2;
    }

    static int hash(CharSequence s, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + s.charAt(i);
        }
        return h ^ (h >>> 16);
    }

    int[] get(String s, int from, int to, int hash) {
        int len = to - from;
        for (int slot = hash & mask; ; slot = (slot + 1) & mask) {
            String key = keys[slot];
            if (key == null) {
                return null;
            }
            if (key.length() == len && key.regionMatches(0, s, from, len)) {
                return values[slot];
            }
        }
    }

    void put(String s, int from, int to, int hash, int[] ids) {
        if (size >= limit) {
            Arrays.fill(keys, null);
            Arrays.fill(values, null);
            size = 0;
        }
        int slot = hash & mask;
        while (keys[slot] != null) {
            slot = (slot + 1) & mask;
        }
        keys[slot] = s.substring(from, to);
        values[slot] = ids;
        size++;
    }
}
