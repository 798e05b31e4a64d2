package ai.stratum.model.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Argument checks shared by the attention kernels, so every implementation refuses the same bad shapes. */
final class Heads {

    private Heads() {
    }

    /** Checks the head counts and that qkv (N, (nHead + 2 nKvHead) * headDim) matches them. */
    static void check(INDArray qkv, int nHead, int nKvHead, int headDim) {
        if (nHead < 1 || nKvHead < 1 || nHead % nKvHead != 0) {
            throw new IllegalArgumentException("n_kv_head: must divide n_head=" + nHead + ", got " + nKvHead);
        }
        if (headDim < 1) {
            throw new IllegalArgumentException("head_dim: must be at least 1, got " + headDim);
        }
        long width = (long) (nHead + 2 * nKvHead) * headDim;
        if (qkv.rank() != 2 || qkv.size(1) != width) {
            throw new IllegalArgumentException("qkv: expected (N, " + width + ") for n_head=" + nHead + ", n_kv_head="
                    + nKvHead + ", head_dim=" + headDim + ", got " + java.util.Arrays.toString(qkv.shape()));
        }
    }

    /** Checks the arguments of {@link Kernels#attentionDecode}. */
    static void checkDecode(INDArray out, INDArray q, INDArray kCache, INDArray vCache, int[] slots, int[] len,
                            int nHead, int nKvHead, int headDim) {
        if (nHead < 1 || nKvHead < 1 || nHead % nKvHead != 0) {
            throw new IllegalArgumentException("n_kv_head: must divide n_head=" + nHead + ", got " + nKvHead);
        }
        long b = len.length;
        long width = (long) nHead * headDim;
        if (q.rank() != 2 || q.size(0) != b || q.size(1) != width || out.rank() != 2 || out.size(0) != b
                || out.size(1) != width) {
            throw new IllegalArgumentException("q: expected q and out (" + b + ", " + width + "), got q "
                    + java.util.Arrays.toString(q.shape()) + ", out " + java.util.Arrays.toString(out.shape()));
        }
        checkCaches(kCache, vCache, nKvHead, headDim);
        checkSlots(kCache, slots, len, "len", 1, kCache.size(1));
    }

    /** Checks the arguments of {@link Kernels#kvCacheWrite}. */
    static void checkCacheWrite(INDArray kCache, INDArray vCache, INDArray qkv, int nHead, int nKvHead, int headDim,
                                int[] slots, int[] positions) {
        check(qkv, nHead, nKvHead, headDim);
        checkCaches(kCache, vCache, nKvHead, headDim);
        if (positions.length != qkv.size(0)) {
            throw new IllegalArgumentException("positions: " + positions.length + " for " + qkv.size(0) + " rows");
        }
        checkSlots(kCache, slots, positions, "positions", 0, kCache.size(1) - 1);
    }

    private static void checkCaches(INDArray kCache, INDArray vCache, int nKvHead, int headDim) {
        long kvWidth = (long) nKvHead * headDim;
        if (kCache.rank() != 3 || kCache.size(2) != kvWidth || !java.util.Arrays.equals(kCache.shape(),
                vCache.shape())) {
            throw new IllegalArgumentException("kv_cache: expected k and v caches (slots, maxLen, " + kvWidth
                    + "), got " + java.util.Arrays.toString(kCache.shape()) + " and "
                    + java.util.Arrays.toString(vCache.shape()));
        }
    }

    /** Each row's slot in [0, S) and its value (a length or a position) in [min, max]. */
    private static void checkSlots(INDArray kCache, int[] slots, int[] values, String what, long min, long max) {
        if (slots.length != values.length) {
            throw new IllegalArgumentException("slots: " + slots.length + " for " + values.length + " rows");
        }
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] < 0 || slots[i] >= kCache.size(0)) {
                throw new IllegalArgumentException("slots: row " + i + " names cache slot " + slots[i]
                        + ", outside [0, " + kCache.size(0) + ")");
            }
            if (values[i] < min || values[i] > max) {
                throw new IllegalArgumentException(what + ": row " + i + " must be in [" + min + ", " + max
                        + "], got " + values[i]);
            }
        }
    }

    /** Checks the arguments of {@link Kernels#ropeForward} and {@link Kernels#ropeBackward}. */
    static void checkRope(INDArray x, int nHeads, int headDim, int[] positions, INDArray cos, INDArray sin) {
        if (headDim < 2 || headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim: RoPE rotates pairs of channels, so it must be even, got "
                    + headDim);
        }
        long half = headDim / 2;
        if (x.rank() != 2 || x.size(1) != (long) nHeads * headDim || cos.rank() != 2 || cos.size(1) != half
                || !java.util.Arrays.equals(cos.shape(), sin.shape())) {
            throw new IllegalArgumentException("rope: expected x (N, " + (long) nHeads * headDim
                    + ") and cos, sin (maxPos, " + half + "), got x " + java.util.Arrays.toString(x.shape())
                    + ", cos " + java.util.Arrays.toString(cos.shape()) + ", sin "
                    + java.util.Arrays.toString(sin.shape()));
        }
        if (positions.length < x.size(0)) {
            throw new IllegalArgumentException("positions: " + positions.length + " for " + x.size(0) + " rows");
        }
        for (int n = 0; n < x.size(0); n++) {
            if (positions[n] < 0 || positions[n] >= cos.size(0)) {
                throw new IllegalArgumentException("positions: row " + n + " has position " + positions[n]
                        + ", outside the RoPE tables' [0, " + cos.size(0) + ")");
            }
        }
    }
}
