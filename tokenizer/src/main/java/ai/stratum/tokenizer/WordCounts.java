package ai.stratum.tokenizer;

import java.util.Arrays;
import java.util.function.ObjLongConsumer;

/**
 * Counts of pre-tokens ("words" to the BPE trainer). Text added here is split with GPT-2's pre-tokenizer;
 * lookups hash a range of the text so a word already counted costs no allocation. Not thread-safe: give each
 * thread its own and {@link #addAll} them at the end (counting is a sum, so the result is the same whatever
 * the order).
 */
public final class WordCounts {
    private String[] keys = new String[1 << 12];
    private int[] hashes = new int[1 << 12];
    private long[] counts = new long[1 << 12];
    private int size;
    private long total;

    /** Counts every pre-token of {@code text}. */
    public void addText(CharSequence text) {
        int n = text.length();
        for (int i = 0; i < n; ) {
            int j = Gpt2PreTokenizer.tokenEnd(text, i, n);
            add(text, i, j, 1);
            i = j;
        }
    }

    /** Adds {@code count} occurrences of the word {@code text[from, to)}. */
    public void add(CharSequence text, int from, int to, long count) {
        int hash = PieceCache.hash(text, from, to);
        int mask = keys.length - 1;
        int len = to - from;
        int slot = hash & mask;
        while (true) {
            String key = keys[slot];
            if (key == null) {
                keys[slot] = text.subSequence(from, to).toString();
                hashes[slot] = hash;
                counts[slot] = count;
                total += count;
                if (++size * 2 > keys.length) {
                    grow();
                }
                return;
            }
            if (hashes[slot] == hash && key.length() == len && regionEquals(key, text, from, len)) {
                counts[slot] += count;
                total += count;
                return;
            }
            slot = (slot + 1) & mask;
        }
    }

    public void addAll(WordCounts other) {
        other.forEach((word, count) -> add(word, 0, word.length(), count));
    }

    /** Distinct words. */
    public int size() {
        return size;
    }

    /** Words counted, with repetition. */
    public long total() {
        return total;
    }

    public long count(String word) {
        int hash = PieceCache.hash(word, 0, word.length());
        int mask = keys.length - 1;
        for (int slot = hash & mask; keys[slot] != null; slot = (slot + 1) & mask) {
            if (hashes[slot] == hash && keys[slot].equals(word)) {
                return counts[slot];
            }
        }
        return 0;
    }

    /** Visits every word with its count, in no particular order. */
    public void forEach(ObjLongConsumer<String> visitor) {
        for (int slot = 0; slot < keys.length; slot++) {
            if (keys[slot] != null) {
                visitor.accept(keys[slot], counts[slot]);
            }
        }
    }

    private static boolean regionEquals(String key, CharSequence text, int from, int len) {
        if (text instanceof String s) {
            return key.regionMatches(0, s, from, len);
        }
        for (int k = 0; k < len; k++) {
            if (key.charAt(k) != text.charAt(from + k)) {
                return false;
            }
        }
        return true;
    }

    private void grow() {
        String[] oldKeys = keys;
        int[] oldHashes = hashes;
        long[] oldCounts = counts;
        keys = new String[oldKeys.length * 2];
        hashes = new int[oldKeys.length * 2];
        counts = new long[oldKeys.length * 2];
        int mask = keys.length - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != null) {
                int slot = oldHashes[i] & mask;
                while (keys[slot] != null) {
                    slot = (slot + 1) & mask;
                }
                keys[slot] = oldKeys[i];
                hashes[slot] = oldHashes[i];
                counts[slot] = oldCounts[i];
            }
        }
        Arrays.fill(oldKeys, null);
    }
}
