package ai.stratum.tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.function.ObjLongConsumer;

/**
 * Counts of pre-tokens ("words" to the BPE trainer). Text added here is split with a split pattern (GPT-2's by default);
 * lookups hash a range of the text so a word already counted costs no allocation. Not thread-safe: give each
 * thread its own and {@link #addAll} them at the end (counting is a sum, so the result is the same whatever
 * the order).
 */
public final class WordCounts {
    private char[][] keys = new char[1 << 12][];
    private int[] hashes = new int[1 << 12];
    private long[] counts = new long[1 << 12];
    private int size;
    private long total;
    private final SplitScanner scanner;

    /** Counts words split with GPT-2's pattern. */
    public WordCounts() {
        this(SplitScanner.GPT2);
    }

    WordCounts(SplitScanner scanner) {
        this.scanner = scanner;
    }

    /** Counts every pre-token of {@code text}. */
    public void addText(CharSequence text) {
        addText(text, List.of());
    }

    /**
     * Counts the pre-tokens of {@code text} with every occurrence of a special token cut out first (as the
     * tokenizer will match them before BPE, they must not shape the merges), leftmost first, longest at a tie.
     */
    public void addText(CharSequence text, List<String> specialTokens) {
        String s = text.toString();
        char[] chars = s.toCharArray();
        int[] nextAt = new int[specialTokens.size()]; // next occurrence of each special token, -1 for none
        for (int t = 0; t < nextAt.length; t++) {
            nextAt[t] = s.indexOf(specialTokens.get(t));
        }
        int pos = 0;
        while (pos < chars.length) {
            int at = chars.length;
            int len = 0;
            for (int t = 0; t < nextAt.length; t++) {
                String special = specialTokens.get(t);
                if (nextAt[t] >= 0 && nextAt[t] < pos) {
                    nextAt[t] = s.indexOf(special, pos);
                }
                int found = nextAt[t];
                if (found >= 0 && (found < at || (found == at && special.length() > len))) {
                    at = found;
                    len = special.length();
                }
            }
            for (int i = pos; i < at; ) {
                int j = scanner.tokenEnd(chars, i, at);
                add(chars, i, j, 1);
                i = j;
            }
            pos = at + len;
        }
    }

    /** Adds {@code count} occurrences of the word {@code text[from, to)}. */
    public void add(char[] text, int from, int to, long count) {
        int hash = PieceCache.hash(text, from, to);
        int mask = keys.length - 1;
        int slot = hash & mask;
        while (true) {
            char[] key = keys[slot];
            if (key == null) {
                keys[slot] = Arrays.copyOfRange(text, from, to);
                hashes[slot] = hash;
                counts[slot] = count;
                total += count;
                if (++size * 2 > keys.length) {
                    grow();
                }
                return;
            }
            if (hashes[slot] == hash && Arrays.equals(key, 0, key.length, text, from, to)) {
                counts[slot] += count;
                total += count;
                return;
            }
            slot = (slot + 1) & mask;
        }
    }

    public void addAll(WordCounts other) {
        for (int slot = 0; slot < other.keys.length; slot++) {
            char[] word = other.keys[slot];
            if (word != null) {
                add(word, 0, word.length, other.counts[slot]);
            }
        }
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
        char[] chars = word.toCharArray();
        int hash = PieceCache.hash(chars, 0, chars.length);
        int mask = keys.length - 1;
        for (int slot = hash & mask; keys[slot] != null; slot = (slot + 1) & mask) {
            if (hashes[slot] == hash && Arrays.equals(keys[slot], chars)) {
                return counts[slot];
            }
        }
        return 0;
    }

    /** Visits every word with its count, in no particular order. */
    public void forEach(ObjLongConsumer<String> visitor) {
        for (int slot = 0; slot < keys.length; slot++) {
            if (keys[slot] != null) {
                visitor.accept(new String(keys[slot]), counts[slot]);
            }
        }
    }

    private void grow() {
        char[][] oldKeys = keys;
        int[] oldHashes = hashes;
        long[] oldCounts = counts;
        keys = new char[oldKeys.length * 2][];
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
