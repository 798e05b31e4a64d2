package ai.stratum.model.nn;

import ai.stratum.model.StepProfile;
import ai.stratum.model.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One pre-norm transformer block: {@code x += dropout(attn(attn_norm(x))); x += dropout(mlp(mlp_norm(x)))}.
 * Dropout streams: 1 + 3l attention probabilities, 2 + 3l and 3 + 3l the two branches.
 */
public final class Block {

    /** One layer's activations, allocated once for the largest batch. */
    public record Acts(Buffers buffers, INDArray attnNormed, Norm.Stats attnStats, Attention.Acts attn,
                       INDArray resid2, INDArray mlpNormed, Norm.Stats mlpStats, Mlp.Acts mlp, INDArray out) {
    }

    private final int layer;
    private final int width;
    private final Norm attnNorm;
    private final Attention attention;
    private final Norm mlpNorm;
    private final Mlp mlp;
    private final Kernels kernels;

    public Block(int layer, int width, Norm attnNorm, Attention attention, Norm mlpNorm, Mlp mlp, Kernels kernels) {
        this.layer = layer;
        this.width = width;
        this.attnNorm = attnNorm;
        this.attention = attention;
        this.mlpNorm = mlpNorm;
        this.mlp = mlp;
        this.kernels = kernels;
    }

    public Attention attention() {
        return attention;
    }

    public Mlp mlp() {
        return mlp;
    }

    /**
     * Activations for (maxBatch, maxSeqLen); {@code maxSeqLen} 0 sizes them for {@code maxBatch} decoded rows (no
     * attention probabilities).
     */
    public Acts acts(Buffers b, int maxBatch, int maxSeqLen) {
        long rows = maxSeqLen == 0 ? maxBatch : (long) maxBatch * maxSeqLen;
        return new Acts(b, b.alloc(rows * width), attnNorm.stats(b, rows),
                attention.acts(b, maxBatch, maxSeqLen, (int) rows), b.alloc(rows * width), b.alloc(rows * width),
                mlpNorm.stats(b, rows), mlp.acts(b, rows), b.alloc(rows * width));
    }

    /** Returns the block's output (N, C) (a view of {@code a.out}) for its input x (N, C). */
    public INDArray forward(INDArray x, Acts a, Pass p) {
        int n = (int) x.size(0);
        Buffers b = a.buffers();
        INDArray branch = b.view(b.shared("block.branch", (long) n * width), n, width);
        INDArray h = b.view(a.attnNormed(), n, width);
        attnNorm.forward(h, x, a.attnStats());
        p.lap(StepProfile.Kind.NORM, false);
        attention.forward(branch, h, a.attn(), p);
        dropout(branch, 2 + 3L * layer, p);
        INDArray resid2 = b.view(a.resid2(), n, width);
        kernels.add(resid2, x, branch);
        p.lap(StepProfile.Kind.RESIDUAL, false);

        h = b.view(a.mlpNormed(), n, width);
        mlpNorm.forward(h, resid2, a.mlpStats());
        p.lap(StepProfile.Kind.NORM, false);
        mlp.forward(branch, h, a.mlp(), p);
        dropout(branch, 3 + 3L * layer, p);
        INDArray out = b.view(a.out(), n, width);
        kernels.add(out, resid2, branch);
        p.lap(StepProfile.Kind.RESIDUAL, false);
        return out;
    }

    /** dresid (N, C): the gradient w.r.t. the block's output in, w.r.t. its input {@code x} out. */
    public void backward(INDArray dresid, INDArray x, Acts a, Pass p) {
        int n = (int) x.size(0);
        Buffers b = a.buffers();
        INDArray dh = b.view(b.shared("block.dnormed", (long) n * width), n, width);
        INDArray resid2 = b.view(a.resid2(), n, width);

        mlp.backward(dh, droppedBranchGradient(dresid, 3 + 3L * layer, b, p), b.view(a.mlpNormed(), n, width), a.mlp(),
                p);
        mlpNorm.backward(dresid, dh, resid2, a.mlpStats());
        p.lap(StepProfile.Kind.NORM, true);

        attention.backward(dh, droppedBranchGradient(dresid, 2 + 3L * layer, b, p),
                b.view(a.attnNormed(), n, width), a.attn(), p);
        attnNorm.backward(dresid, dh, x, a.attnStats());
        p.lap(StepProfile.Kind.NORM, true);
    }

    /** The gradient w.r.t. a residual branch's output before dropout: dresid itself when dropout is off. */
    private INDArray droppedBranchGradient(INDArray dresid, long stream, Buffers b, Pass p) {
        if (!p.dropoutOn()) {
            return dresid;
        }
        INDArray dbranch = b.view(b.shared("block.dbranch", dresid.length()), dresid.size(0), width).assign(dresid);
        kernels.dropout(dbranch, p.dropout(), p.seed(), stream);
        return dbranch;
    }

    private void dropout(INDArray x, long stream, Pass p) {
        if (p.dropoutOn()) {
            kernels.dropout(x, p.dropout(), p.seed(), stream);
        }
    }

    /**
     * The KV-cached decode of rows x (N, C) in place, row n at {@code positions[n]} of the sequence in cache slot
     * {@code slots[n]} ({@link Attention#decode}); caches (S, maxLen, nKvHead hd).
     */
    public void decode(INDArray x, Acts a, INDArray kCache, INDArray vCache, int[] slots, int[] positions, Pass p) {
        int n = (int) x.size(0);
        Buffers b = a.buffers();
        INDArray branch = b.view(b.shared("block.branch", (long) n * width), n, width);
        INDArray h = b.view(a.attnNormed(), n, width);
        attnNorm.forward(h, x, a.attnStats());
        attention.decode(branch, h, a.attn(), kCache, vCache, slots, positions, p);
        kernels.add(x, x, branch);
        h = b.view(a.mlpNormed(), n, width);
        mlpNorm.forward(h, x, a.mlpStats());
        mlp.forward(branch, h, a.mlp(), p);
        kernels.add(x, x, branch);
    }
}
