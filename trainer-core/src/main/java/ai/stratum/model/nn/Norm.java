package ai.stratum.model.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/** A per-row normalization over the last dimension: {@link LayerNorm} or {@link RmsNorm}. */
public interface Norm {

    /**
     * What the forward keeps for the backward: mean (maxRows) for a LayerNorm (null for RMSNorm) and rstd (maxRows),
     * both used through views of their first N rows.
     */
    record Stats(Buffers owner, INDArray mean, INDArray rstd) {
        INDArray mean(long rows) {
            return owner.view(mean, rows);
        }

        INDArray rstd(long rows) {
            return owner.view(rstd, rows);
        }
    }

    /** Buffers for {@code maxRows} rows of this norm's statistics. */
    Stats stats(Buffers buffers, long maxRows);

    /** out (N, C) = norm(x (N, C)); writes the statistics of the N rows into {@code stats}. */
    void forward(INDArray out, INDArray x, Stats stats);

    /** dx (N, C) += the input gradient from dout (N, C); the weight's (and bias's) gradients += unless frozen. */
    void backward(INDArray dx, INDArray dout, INDArray x, Stats stats);
}
