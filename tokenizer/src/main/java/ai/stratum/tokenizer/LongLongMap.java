package ai.stratum.tokenizer;

import java.util.Arrays;

/**
 * An open-addressing map from non-negative long keys to long values, without boxing; -1 means absent.
 * Keys and values are interleaved in one array so that a lookup touches one cache line.
 */
final class LongLongMap {
    private static final long EMPTY = -1L;
    private long[] table; // key at 2i, value at 2i + 1
    private int mask;
    private int size;

    LongLongMap(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        table = new long[2 * capacity];
        Arrays.fill(table, EMPTY);
        mask = capacity - 1;
    }

    int size() {
        return size;
    }

    long get(long key) {
        int slot = slot(key);
        while (true) {
            long k = table[2 * slot];
            if (k == key) {
                return table[2 * slot + 1];
            }
            if (k == EMPTY) {
                return -1L;
            }
            slot = (slot + 1) & mask;
        }
    }

    /** Sets key to value; returns the previous value or -1. */
    long put(long key, long value) {
        if (key < 0) {
            throw new IllegalArgumentException("key must be non-negative: " + key);
        }
        int slot = slot(key);
        while (true) {
            long k = table[2 * slot];
            if (k == key) {
                long old = table[2 * slot + 1];
                table[2 * slot + 1] = value;
                return old;
            }
            if (k == EMPTY) {
                table[2 * slot] = key;
                table[2 * slot + 1] = value;
                if (++size * 2 > mask + 1) {
                    grow();
                }
                return -1L;
            }
            slot = (slot + 1) & mask;
        }
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32) & mask;
    }

    private void grow() {
        long[] old = table;
        table = new long[old.length * 2];
        Arrays.fill(table, EMPTY);
        mask = old.length - 1;
        size = 0;
        for (int i = 0; i < old.length; i += 2) {
            if (old[i] != EMPTY) {
                put(old[i], old[i + 1]);
            }
        }
    }
}
