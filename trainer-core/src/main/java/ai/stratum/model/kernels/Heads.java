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
    static void checkDecode(INDArray out, INDArray q, INDArray kCache, INDArray vCache, int[] len, int nHead,
                            int nKvHead, int headDim) {
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
        long kvWidth = (long) nKvHead * headDim;
        if (kCache.rank() != 3 || kCache.size(0) != b || kCache.size(2) != kvWidth
                || !java.util.Arrays.equals(kCache.shape(), vCache.shape())) {
            throw new IllegalArgumentException("kv_cache: expected k and v caches (" + b + ", maxLen, " + kvWidth
                    + "), got " + java.util.Arrays.toString(kCache.shape()) + " and "
                    + java.util.Arrays.toString(vCache.shape()));
        }
        for (int i = 0; i < len.length; i++) {
            if (len[i] < 1 || len[i] > kCache.size(1)) {
                throw new IllegalArgumentException("len: sequence " + i + " must hold 1 to " + kCache.size(1)
                        + " positions, got " + len[i]);
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
