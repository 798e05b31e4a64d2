package ai.stratum.tokenizer;

import java.util.Arrays;
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
    /** Pieces up to this many bytes use the quadratic array scan, which is faster than a heap when short. */
    static final int SMALL_PIECE = 64;

    /** Byte-level token string by id; null for ids that are not BPE tokens (special tokens, gaps). */
    final String[] tokens;
    /** Raw bytes by id; null for ids that are not BPE tokens. */
    final byte[][] bytes;
    final int[] mergeLeft;
    final int[] mergeRight;
    private final int[] byteIds = new int[256];
    /** (left << 32 | right) -> (rank << 32 | merged id). */
    private final LongLongMap mergeIndex;

    /**
     * @param tokens byte-level token strings indexed by id (null where an id is not a BPE token)
     * @param merges ranked merges, each a pair of byte-level token strings
     * @throws IllegalArgumentException naming the offending token or merge
     */
    BytePairModel(String[] tokens, List<String[]> merges) {
        this.tokens = tokens.clone();
        this.bytes = new byte[tokens.length][];
        Map<String, Integer> ids = new java.util.HashMap<>(tokens.length * 2);
        Arrays.fill(byteIds, -1);
        for (int id = 0; id < tokens.length; id++) {
            String token = tokens[id];
            if (token == null) {
                continue;
            }
            byte[] raw = ByteLevel.decodeOrNull(token);
            if (raw == null || raw.length == 0) {
                throw new IllegalArgumentException("vocab token '" + token + "' (id " + id
                        + ") is not a byte-level token: every character must be one of GPT-2's 256 byte characters");
            }
            Integer previous = ids.put(token, id);
            if (previous != null) {
                throw new IllegalArgumentException("vocab token '" + token + "' appears twice (ids " + previous + " and " + id + ")");
            }
            bytes[id] = raw;
            if (raw.length == 1) {
                byteIds[raw[0] & 0xFF] = id;
            }
        }
        for (int b = 0; b < 256; b++) {
            if (byteIds[b] < 0) {
                throw new IllegalArgumentException("vocab lacks the single-byte token '" + ByteLevel.charOf(b)
                        + "' for byte 0x" + Integer.toHexString(b) + "; a byte-level BPE vocabulary needs all 256");
            }
        }
        mergeLeft = new int[merges.size()];
        mergeRight = new int[merges.size()];
        mergeIndex = new LongLongMap(merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] pair = merges.get(rank);
            Integer left = ids.get(pair[0]);
            Integer right = ids.get(pair[1]);
            Integer merged = ids.get(pair[0] + pair[1]);
            if (left == null || right == null || merged == null) {
                String missing = left == null ? pair[0] : right == null ? pair[1] : pair[0] + pair[1];
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

    int byteId(int unsignedByte) {
        return byteIds[unsignedByte];
    }

    int mergeCount() {
        return mergeLeft.length;
    }

    /** Appends the token ids of the pre-token {@code buf[0, len)} to {@code out}. */
    void encode(byte[] buf, int len, IntList out) {
        if (len <= SMALL_PIECE) {
            encodeSmall(buf, len, out);
        } else {
            encodeLarge(buf, len, out);
        }
    }

    private long lookup(int left, int right) {
        long packed = mergeIndex.get((long) left << 32 | right);
        return packed < 0 ? NONE : packed;
    }

    /** O(n^2) scan over an array of parts; best for short pieces. */
    void encodeSmall(byte[] buf, int len, IntList out) {
        int n = len;
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = byteIds[buf[i] & 0xFF];
        }
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
    void encodeLarge(byte[] buf, int len, IntList out) {
        int[] ids = new int[len];
        int[] prev = new int[len];
        int[] next = new int[len];
        long[] heap = new long[Math.max(len, 1)];
        int heapSize = 0;
        for (int i = 0; i < len; i++) {
            ids[i] = byteIds[buf[i] & 0xFF];
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
