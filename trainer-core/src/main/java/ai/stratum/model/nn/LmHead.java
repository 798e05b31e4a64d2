package ai.stratum.model.nn;

import ai.stratum.model.StepProfile;
import ai.stratum.model.Views;
import ai.stratum.model.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * The LM head and cross-entropy, in row chunks so that the (N, V) logits are never materialized when they would be
 * large: logits (R, V) = x (R, C) W^T for R rows at a time, W [V, C] the token embedding (tied) or its own weight.
 * When every row fits one chunk the forward keeps dlogits for the backward (and {@link #logits} is available);
 * otherwise the backward recomputes each chunk's logits, one extra head matmul for never holding B*T*V floats.
 */
public final class LmHead {

    private final INDArray weight;
    private final INDArray dweight;
    private final int vocab;
    private final int chunkRows;
    private final INDArray logits;   // (chunkRows, V)
    private final INDArray dlogits;  // (chunkRows, V)
    private final Kernels kernels;
    private final Buffers buffers;
    private int rows;
    private boolean single;
    private RowLoss loss;

    /**
     * A loss over a chunk of rows used instead of cross-entropy (e.g. distillation against a teacher's logits for
     * exactly those rows): writes {@code dlogits} (R, V) = d(sum of the rows' losses)/d logits, 0 on rows whose
     * target is negative, and returns that sum.
     */
    @FunctionalInterface
    public interface RowLoss {
        /**
         * @param firstRow  the chunk's first row in the forward's (N, C) input
         * @param targets   the chunk's R targets
         * @param recompute true when the backward recomputes a chunk the forward already scored (chunked head):
         *                  the same gradient is wanted, and the sum must not be counted twice
         */
        double apply(INDArray dlogits, INDArray logits, int firstRow, int[] targets, boolean recompute);
    }

    /**
     * @param weight    [V, C]
     * @param dweight   [V, C] or null when frozen
     * @param chunkRows rows per chunk (the whole batch's rows when they fit the memory budget)
     */
    public LmHead(INDArray weight, INDArray dweight, int chunkRows, Kernels kernels, Buffers buffers) {
        this.weight = weight;
        this.dweight = dweight;
        this.vocab = (int) weight.size(0);
        this.chunkRows = chunkRows;
        this.kernels = kernels;
        this.buffers = buffers;
        this.logits = buffers.alloc((long) chunkRows * vocab);
        this.dlogits = buffers.alloc((long) chunkRows * vocab);
    }

    public int chunkRows() {
        return chunkRows;
    }

    /** The loss of every following forward with targets: {@code null} (the default) is cross-entropy. */
    public void setLoss(RowLoss rowLoss) {
        this.loss = rowLoss;
    }

    /** Chunk rows [r0, r0 + r): the loss's sum and dlogits. */
    private double score(INDArray dl, INDArray lg, int r0, int[] targets, boolean recompute) {
        return loss == null ? kernels.crossEntropy(dl, lg, targets) : loss.apply(dl, lg, r0, targets, recompute);
    }

    /**
     * Logits of x (N, C) and, with targets, the summed cross-entropy over rows whose target is >= 0 (the caller
     * divides by their count). Returns NaN without targets.
     */
    public double forward(INDArray x, int[] targets, Pass p) {
        rows = (int) x.size(0);
        single = rows <= chunkRows;
        double sum = 0;
        for (int r0 = 0; r0 < rows; r0 += chunkRows) {
            int r = Math.min(chunkRows, rows - r0);
            INDArray lg = chunkLogits(x, r0, r);
            if (targets != null) {
                sum += score(buffers.view(dlogits, r, vocab), lg, r0, slice(targets, r0, r), false);
            }
        }
        p.lap(StepProfile.Kind.LM_HEAD, false);
        return targets == null ? Double.NaN : sum;
    }

    private INDArray chunkLogits(INDArray x, int r0, int r) {
        INDArray lg = buffers.view(logits, r, vocab);
        kernels.matmul(lg, rowsOf(x, r0, r), weight, false, true, 1.0, 0.0); // (R, V) = x (R, C) @ W^T
        return lg;
    }

    /** Rows [r0, r0 + r) of a contiguous (N, C) matrix, as a contiguous view. */
    private static INDArray rowsOf(INDArray x, int r0, int r) {
        return r0 == 0 && r == x.size(0) ? x : Views.of(x, (long) r0 * x.size(1), r, x.size(1));
    }

    private static int[] slice(int[] a, int from, int n) {
        return from == 0 && n == a.length ? a : Arrays.copyOfRange(a, from, from + n);
    }

    /** out (R, V) = x (R, C) W^T: logits without a loss, e.g. of one decoded row. */
    public void project(INDArray out, INDArray x) {
        kernels.matmul(out, x, weight, false, true, 1.0, 0.0);
    }

    /** (N, V) logits of the last forward: only when they fit one chunk. */
    public INDArray logits() {
        if (!single) {
            throw new IllegalStateException("logits: the last forward's " + rows + " rows ran in chunks of "
                    + chunkRows + " and were not kept");
        }
        return buffers.view(logits, rows, vocab);
    }

    /**
     * dx (N, C) = scale * dlogits W (overwritten) and dW += scale * dlogits^T x unless frozen, from the forward's x
     * and targets; {@code scale} turns the summed loss's gradient into the caller's.
     */
    public void backward(INDArray dx, INDArray x, int[] targets, double scale, Pass p) {
        for (int r0 = 0; r0 < rows; r0 += chunkRows) {
            int r = Math.min(chunkRows, rows - r0);
            INDArray dl = buffers.view(dlogits, r, vocab);
            if (!single) {
                score(dl, chunkLogits(x, r0, r), r0, slice(targets, r0, r), true);
            }
            INDArray xr = rowsOf(x, r0, r);
            if (dweight != null) {
                kernels.matmul(dweight, dl, xr, true, false, scale, 1.0);   // dW (V, C) += scale dl^T x
            }
            kernels.matmul(rowsOf(dx, r0, r), dl, weight, false, false, scale, 0.0); // dx (R, C) = scale dl W
        }
        p.lap(StepProfile.Kind.LM_HEAD, true);
    }
}
