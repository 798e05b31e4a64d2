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
}
