package ai.stratum.tokenizer;

import java.util.Arrays;

/**
 * A bounded cache from pre-token text to its token ids, looked up by a range of a larger string without
 * allocating a substring. Direct-mapped: a new piece replaces whatever held its slot, so frequent pieces stay
 * and there is nothing to clear. One per thread.
 */
final class PieceCache {
    /** Longer pieces are rare and would crowd out the frequent short ones. */
    static final int MAX_PIECE_CHARS = 128;
    private final char[][] keys;
    private final int[] hashes;
    private final int[][] values;
    private final int mask;

    PieceCache(int slots) {
        int capacity = Integer.highestOneBit(slots - 1) << 1;
        keys = new char[capacity][];
        hashes = new int[capacity];
        values = new int[capacity][];
        mask = capacity - 1;
    }

    static int hash(char[] s, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + s[i];
        }
        return h ^ (h >>> 16);
    }

    int[] get(char[] s, int from, int to, int hash) {
        int slot = hash & mask;
        char[] key = keys[slot];
        if (key != null && hashes[slot] == hash && Arrays.equals(key, 0, key.length, s, from, to)) {
            return values[slot];
        }
        return null;
    }

    void put(char[] s, int from, int to, int hash, int[] ids) {
        int slot = hash & mask;
        keys[slot] = Arrays.copyOfRange(s, from, to);
        hashes[slot] = hash;
        values[slot] = ids;
    }
}
