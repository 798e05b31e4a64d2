package ai.stratum.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The byte-level BPE model: token bytes by id and the ranked merge list. Encoding one pre-token starts from
 * its bytes' single-byte tokens and repeatedly merges the adjacent pair with the lowest merge rank (the
 * leftmost one on a tie), which is what GPT-2's {@code bpe()} and Hugging Face's BPE model do.
 *
 * <p>Worked example with merges [0: (a,b), 1: (ab,c), 2: (c,d)] on "abcd": pairs ab(0) bc(-) cd(2) -> merge
 * ab -> [ab,c,d]; pairs abc(1) cd(2) -> merge abc -> [abc,d]; no merge for (abc,d) -> [abc, d].
 */
final class BytePairModel {
    private static final long NONE = Long.MAX_VALUE;
    /** Pieces up to this many symbols use the quadratic array scan, which is faster than a heap when short. */
    static final int SMALL_PIECE = 64;

    /**
     * The keys of a Hugging Face BPE model besides vocab and merges, each honoured as {@code tokenizers} does.
     *
     * @param unkToken token for a character missing from the vocab (null: such characters are dropped)
     * @param fuseUnk consecutive unknown characters become one unk token
     * @param byteFallback a missing character becomes its UTF-8 bytes' {@code <0xXX>} tokens (before unk)
     * @param ignoreMerges a pre-token that is itself a vocab token is that token, whatever the merges would give
     * @param continuingSubwordPrefix prefixed to every symbol but a word's first (null or "": none)
     * @param endOfWordSuffix appended to a word's last symbol (null or "": none)
     */
    record Options(String unkToken, boolean fuseUnk, boolean byteFallback, boolean ignoreMerges,
                   String continuingSubwordPrefix, String endOfWordSuffix) {
        static final Options BYTE_LEVEL = new Options(null, false, false, false, null, null);

        Options {
            continuingSubwordPrefix = continuingSubwordPrefix == null || continuingSubwordPrefix.isEmpty() ? null : continuingSubwordPrefix;
            endOfWordSuffix = endOfWordSuffix == null || endOfWordSuffix.isEmpty() ? null : endOfWordSuffix;
        }
    }

    /** Token string by id (byte-level strings for a byte-level vocab); null for ids that are not model tokens. */
    final String[] tokens;
    /** Raw bytes by id when the vocab is byte-level (see {@link #byteLevel}); null entries otherwise. */
    final byte[][] bytes;
    final int[] mergeLeft;
    final int[] mergeRight;
    final Options options;
    /** Every token is a string of GPT-2's byte characters and all 256 single-byte tokens exist. */
    final boolean byteLevel;
    private final int[] byteIds = new int[256];
    /** {@code <0xXX>} token ids for byte fallback, -1 where absent. */
    private final int[] fallbackIds = new int[256];
    private final Map<String, Integer> ids;
    /** Ids of one-char tokens for chars below 512 (all of GPT-2's byte alphabet), -1 where absent. */
    private final int[] charIds = new int[512];
    private final int unkId;
    /** (left << 32 | right) -> (rank << 32 | merged id). */
    private final LongLongMap mergeIndex;

    /**
     * A strict byte-level model (GPT-2 style files, the trainer): every token must be byte-level and all 256
     * single-byte tokens present.
     */
    BytePairModel(String[] tokens, List<String[]> merges) {
        this(tokens, merges, Options.BYTE_LEVEL);
        if (!byteLevel) {
            for (int id = 0; id < tokens.length; id++) {
                String token = tokens[id];
                if (token != null) {
                    byte[] raw = ByteLevel.decodeOrNull(token);
                    if (raw == null || raw.length == 0) {
                        throw new IllegalArgumentException("vocab token '" + token + "' (id " + id
                                + ") is not a byte-level token: every character must be one of GPT-2's 256 byte characters");
                    }
                }
            }
            for (int b = 0; b < 256; b++) {
                if (byteIds[b] < 0) {
                    throw new IllegalArgumentException("vocab lacks the single-byte token '" + ByteLevel.charOf(b)
                            + "' for byte 0x" + Integer.toHexString(b) + "; a byte-level BPE vocabulary needs all 256");
                }
            }
        }
    }

    /**
     * @param tokens token strings indexed by id (null where an id is not a model token)
     * @param merges ranked merges, each a pair of token strings
     * @throws IllegalArgumentException naming the offending token or merge
     */
    BytePairModel(String[] tokens, List<String[]> merges, Options options) {
        this.tokens = tokens.clone();
        this.options = options;
        this.bytes = new byte[tokens.length][];
        this.ids = new HashMap<>(tokens.length * 2);
        Arrays.fill(byteIds, -1);
        Arrays.fill(fallbackIds, -1);
        Arrays.fill(charIds, -1);
        boolean allByteLevel = true;
        for (int id = 0; id < tokens.length; id++) {
            String token = tokens[id];
            if (token == null) {
                continue;
            }
            if (token.isEmpty()) {
                throw new IllegalArgumentException("vocab token with id " + id + " is the empty string");
            }
            Integer previous = ids.put(token, id);
            if (previous != null) {
                throw new IllegalArgumentException("vocab token '" + token + "' appears twice (ids " + previous + " and " + id + ")");
            }
            if (token.length() == 1 && token.charAt(0) < charIds.length) {
                charIds[token.charAt(0)] = id;
            }
            if (token.length() == 6 && token.startsWith("<0x") && token.endsWith(">")) {
                int b = hexByte(token.substring(3, 5));
                if (b >= 0) {
                    fallbackIds[b] = id;
                }
            }
            byte[] raw = ByteLevel.decodeOrNull(token);
            if (raw == null) {
                allByteLevel = false;
            } else {
                bytes[id] = raw;
                if (raw.length == 1) {
                    byteIds[raw[0] & 0xFF] = id;
                }
            }
        }
        for (int b = 0; b < 256; b++) {
            allByteLevel &= byteIds[b] >= 0;
        }
        this.byteLevel = allByteLevel;
        if (options.unkToken() != null) {
            Integer unk = ids.get(options.unkToken());
            if (unk == null) {
                throw new IllegalArgumentException("model.unk_token '" + options.unkToken() + "' is not in model.vocab");
            }
            unkId = unk;
        } else {
            unkId = -1;
        }
        int prefixLength = options.continuingSubwordPrefix() == null ? 0 : options.continuingSubwordPrefix().length();
        mergeLeft = new int[merges.size()];
        mergeRight = new int[merges.size()];
        mergeIndex = new LongLongMap(merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] pair = merges.get(rank);
            Integer left = ids.get(pair[0]);
            Integer right = ids.get(pair[1]);
            String mergedToken = pair[1].length() >= prefixLength ? pair[0] + pair[1].substring(prefixLength) : null;
            Integer merged = mergedToken == null ? null : ids.get(mergedToken);
            if (left == null || right == null || merged == null) {
                String missing = left == null ? pair[0] : right == null ? pair[1] : mergedToken;
                throw new IllegalArgumentException("merge " + rank + " '" + pair[0] + " " + pair[1]
                        + "': token '" + missing + "' is not in the vocab");
            }
            mergeLeft[rank] = left;
            mergeRight[rank] = right;
            // A repeated pair keeps its first (lowest) rank, as in Hugging Face's loader.
            long key = (long) left << 32 | right;
            if (mergeIndex.get(key) < 0) {
                mergeIndex.put(key, (long) rank << 32 | merged);
            }
        }
    }

    private static int hexByte(String hex) {
        int hi = Character.digit(hex.charAt(0), 16);
        int lo = Character.digit(hex.charAt(1), 16);
        return hi < 0 || lo < 0 || Character.isLowerCase(hex.charAt(0)) || Character.isLowerCase(hex.charAt(1)) ? -1 : hi * 16 + lo;
    }

    int byteId(int unsignedByte) {
        return byteIds[unsignedByte];
    }

    int mergeCount() {
        return mergeLeft.length;
    }

    /** The id of a model token, or -1. */
    int idOf(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    /**
     * Appends the token ids of one pre-token given as its UTF-8 bytes {@code buf[0, len)}; byte-level vocabs
     * only (the fast path: one symbol per byte).
     */
    void encode(byte[] buf, int len, IntList out) {
        if (options.ignoreMerges()) {
            Integer whole = ids.get(ByteLevel.encode(Arrays.copyOf(buf, len)));
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        int[] symbols = new int[len];
        for (int i = 0; i < len; i++) {
            symbols[i] = byteIds[buf[i] & 0xFF];
        }
        merge(symbols, len, out);
    }

    /**
     * Appends the token ids of one pre-token given as a string of vocab characters (byte-level characters after
     * a ByteLevel pre-tokenizer), as Hugging Face's {@code BPE::merge_word}: one symbol per character (with
     * the continuing-subword prefix / end-of-word suffix), a missing character becomes its {@code <0xXX>} byte
     * tokens (byte fallback) or the unk token (fused when asked) or is dropped; then the merges.
     */
    void encodeWord(String word, IntList out) {
        if (options.ignoreMerges()) {
            Integer whole = ids.get(word);
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        int[] symbols = new int[word.length() + 4];
        int n = 0;
        int pendingUnk = 0; // unknown chars not yet emitted (fused into one when fuse_unk)
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            int next = i + Character.charCount(cp);
            int id = -1;
            String symbol = null;
            if (cp < charIds.length && options.continuingSubwordPrefix() == null && options.endOfWordSuffix() == null) {
                id = charIds[cp];
            } else {
                symbol = word.substring(i, next);
                if (i > 0 && options.continuingSubwordPrefix() != null) {
                    symbol = options.continuingSubwordPrefix() + symbol;
                }
                if (next == word.length() && options.endOfWordSuffix() != null) {
                    symbol = symbol + options.endOfWordSuffix();
                }
                id = idOf(symbol);
            }
            if (id >= 0) {
                if (pendingUnk > 0) {
                    symbols = grow(symbols, n + 1);
                    symbols[n++] = unkId;
                    pendingUnk = 0;
                }
                symbols = grow(symbols, n + 1);
                symbols[n++] = id;
            } else {
                boolean fellBack = false;
                if (options.byteFallback()) {
                    byte[] utf8 = (symbol != null ? symbol : word.substring(i, next)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    boolean all = true;
                    for (byte b : utf8) {
                        all &= fallbackIds[b & 0xFF] >= 0;
                    }
                    if (all) {
                        symbols = grow(symbols, n + utf8.length);
                        for (byte b : utf8) {
                            symbols[n++] = fallbackIds[b & 0xFF];
                        }
                        fellBack = true;
                    }
                }
                if (!fellBack && unkId >= 0) {
                    if (pendingUnk > 0 && !options.fuseUnk()) {
                        symbols = grow(symbols, n + 1);
                        symbols[n++] = unkId;
                    }
                    pendingUnk = 1;
                }
            }
            i = next;
        }
        if (pendingUnk > 0) {
            symbols = grow(symbols, n + 1);
            symbols[n++] = unkId;
        }
        merge(symbols, n, out);
    }

    private static int[] grow(int[] a, int size) {
        return size <= a.length ? a : Arrays.copyOf(a, Math.max(size, a.length * 2));
    }

    /** Merges {@code symbols[0, n)} (overwritten) lowest rank first, leftmost on a tie; appends the result. */
    void merge(int[] symbols, int n, IntList out) {
        if (n <= SMALL_PIECE) {
            mergeSmall(symbols, n, out);
        } else {
            mergeLarge(symbols, n, out);
        }
    }

    private long lookup(int left, int right) {
        long packed = mergeIndex.get((long) left << 32 | right);
        return packed < 0 ? NONE : packed;
    }

    /** O(n^2) scan over an array of parts; best for short pieces. */
    void mergeSmall(int[] ids, int n, IntList out) {
        long[] pairs = new long[Math.max(n - 1, 0)]; // pairs[i]: merge of (ids[i], ids[i+1])
        for (int i = 0; i + 1 < n; i++) {
            pairs[i] = lookup(ids[i], ids[i + 1]);
        }
        while (n > 1) {
            int m = 0;
            long best = pairs[0];
            for (int i = 1; i < n - 1; i++) {
                if (pairs[i] < best) {
                    best = pairs[i];
                    m = i;
                }
            }
            if (best == NONE) {
                break;
            }
            ids[m] = (int) best;
            System.arraycopy(ids, m + 2, ids, m + 1, n - m - 2);
            if (n - m - 3 > 0) {
                System.arraycopy(pairs, m + 2, pairs, m + 1, n - m - 3);
            }
            n--;
            if (m + 1 < n) {
                pairs[m] = lookup(ids[m], ids[m + 1]);
            }
            if (m > 0) {
                pairs[m - 1] = lookup(ids[m - 1], ids[m]);
            }
        }
        out.addAll(ids, n);
    }

    /** O(n log n) with a linked list of parts and a heap of (rank, position) candidates; for long pieces. */
    void mergeLarge(int[] ids, int len, IntList out) {
        int[] prev = new int[len];
        int[] next = new int[len];
        long[] heap = new long[Math.max(len, 1)];
        int heapSize = 0;
        for (int i = 0; i < len; i++) {
            prev[i] = i - 1;
            next[i] = i + 1;
        }
        for (int i = 0; i + 1 < len; i++) {
            long m = lookup(ids[i], ids[i + 1]);
            if (m != NONE) {
                heap = ensure(heap, heapSize + 1);
                heapSize = push(heap, heapSize, (m >>> 32) << 32 | i);
            }
        }
        while (heapSize > 0) {
            long top = heap[0];
            heapSize = pop(heap, heapSize);
            int pos = (int) top;
            long rank = top >>> 32;
            if (ids[pos] < 0 || next[pos] >= len) {
                continue;
            }
            int nx = next[pos];
            long m = lookup(ids[pos], ids[nx]);
            if (m == NONE || (m >>> 32) != rank) {
                continue; // stale: this position's pair changed since the candidate was pushed
            }
            ids[pos] = (int) m;
            ids[nx] = -1;
            next[pos] = next[nx];
            if (next[pos] < len) {
                prev[next[pos]] = pos;
            }
            if (prev[pos] >= 0) {
                long left = lookup(ids[prev[pos]], ids[pos]);
                if (left != NONE) {
                    heap = ensure(heap, heapSize + 1);
                    heapSize = push(heap, heapSize, (left >>> 32) << 32 | prev[pos]);
                }
            }
            if (next[pos] < len) {
                long right = lookup(ids[pos], ids[next[pos]]);
                if (right != NONE) {
                    heap = ensure(heap, heapSize + 1);
                    heapSize = push(heap, heapSize, (right >>> 32) << 32 | pos);
                }
            }
        }
        for (int i = 0; i < len; i = next[i]) {
            out.add(ids[i]);
        }
    }

    private static long[] ensure(long[] heap, int size) {
        return size <= heap.length ? heap : Arrays.copyOf(heap, heap.length * 2);
    }

    private static int push(long[] heap, int size, long value) {
        int i = size;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= value) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = value;
        return size + 1;
    }

    private static int pop(long[] heap, int size) {
        long last = heap[--size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (heap[child] >= last) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        if (size > 0) {
            heap[i] = last;
        }
        return size;
    }
}
