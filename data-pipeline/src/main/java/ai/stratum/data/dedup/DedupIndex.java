package ai.stratum.data.dedup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster stage of dedup, fed with every document's signatures in input order (the stages before it,
 * computing signatures per document, run in parallel per shard). Exact duplicates go first: of documents with
 * the same exact hash, the first stays. Then LSH: documents sharing any band key are joined (union-find) into
 * clusters, and each cluster keeps its first document. The result names, for every removed document, why and
 * which document was kept in its place. Memory: a few hundred bytes per document.
 */
public final class DedupIndex {
    /** Why a document was removed and which kept document it duplicates. */
    public record Removal(long key, String reason, long keptKey) {
    }

    private long[] keys = new long[1024];
    private long[] exactHi = new long[1024];
    private long[] exactLo = new long[1024];
    private long[][] bands = new long[1024][];
    private int size;

    /**
     * Adds a document. Keys must increase: they give input order (e.g. shard index in the high 32 bits, document
     * index in the low 32).
     *
     * @param bandKeys the MinHash band keys, or null when the document is too short to have a signature
     */
    public void add(long key, long hi, long lo, long[] bandKeys) {
        if (size > 0 && key <= keys[size - 1]) {
            throw new IllegalArgumentException("keys must be added in increasing order: " + key + " after "
                    + keys[size - 1]);
        }
        if (size == keys.length) {
            int n = size * 2;
            keys = Arrays.copyOf(keys, n);
            exactHi = Arrays.copyOf(exactHi, n);
            exactLo = Arrays.copyOf(exactLo, n);
            bands = Arrays.copyOf(bands, n);
        }
        keys[size] = key;
        exactHi[size] = hi;
        exactLo[size] = lo;
        bands[size] = bandKeys;
        size++;
    }

    public int size() {
        return size;
    }

    /** Removals sorted by key. */
    public List<Removal> removals(boolean exact, boolean minhash) {
        int[] parent = new int[size];
        for (int i = 0; i < size; i++) {
            parent[i] = i;
        }
        String[] reason = new String[size];
        if (exact) {
            Map<Long, List<Integer>> byHi = new HashMap<>();
            for (int i = 0; i < size; i++) {
                List<Integer> same = byHi.computeIfAbsent(exactHi[i], k -> new ArrayList<>(1));
                Integer first = null;
                for (int j : same) {
                    if (exactLo[j] == exactLo[i]) {
                        first = j;
                        break;
                    }
                }
                if (first == null) {
                    same.add(i);
                } else {
                    parent[i] = first;
                    reason[i] = "exact_duplicate";
                }
            }
        }
        if (minhash) {
            int nBands = 0;
            for (int i = 0; i < size; i++) {
                if (bands[i] != null) {
                    nBands = bands[i].length;
                    break;
                }
            }
            for (int band = 0; band < nBands; band++) {
                Map<Long, Integer> firstWithKey = new HashMap<>();
                for (int i = 0; i < size; i++) {
                    if (bands[i] == null || reason[i] != null) {
                        continue;
                    }
                    Integer first = firstWithKey.putIfAbsent(bands[i][band], i);
                    if (first != null) {
                        union(parent, first, i);
                    }
                }
            }
        }
        List<Removal> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            int root = find(parent, i);
            if (root != i) {
                out.add(new Removal(keys[i], reason[i] != null ? reason[i] : "minhash_duplicate", keys[root]));
            }
        }
        return out;
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    /** Joins two clusters under the smaller index, so each cluster's root is its first document. */
    private static void union(int[] parent, int x, int y) {
        int rx = find(parent, x);
        int ry = find(parent, y);
        if (rx < ry) {
            parent[ry] = rx;
        } else if (ry < rx) {
            parent[rx] = ry;
        }
    }
}
