package ai.stratum.model.nn;

import ai.stratum.model.ModelConfig;
import ai.stratum.model.StepProfile;
import ai.stratum.model.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Causal self-attention with grouped-query heads: the fused q/k/v projection (q rows, then k, then v; optional
 * bias), Qwen3's per-head RMSNorm of q and k, RoPE on q and k (when the positions are rotary), the attention core
 * (scale 1/sqrt(head_dim), divided further by layer + 1 for GPT-2's scale_attn_by_inverse_layer_idx; Mistral's
 * sliding window; packed segments; dropout on the probabilities) and the output projection. The same module runs
 * the training pass over (B, T) and the KV-cached decode of one new position.
 */
public final class Attention {

    /**
     * One layer's activations: qkv (N, (nHead + 2 nKvHead) hd) after norm and rotation, att (B, nHead, T, T), out
     * (N, nHead hd); with q/k norm the pre-norm q (N, nHead hd) and k (N, nKvHead hd) and their norms' statistics.
     */
    public record Acts(Buffers buffers, INDArray qkv, INDArray att, INDArray out, INDArray qPre, INDArray kPre,
                       Norm.Stats qStats, Norm.Stats kStats) {
    }

    private final int layer;
    private final int nHead;
    private final int nKvHead;
    private final int headDim;
    private final int qkvDim;
    private final double scale;
    private final int window;
    private final LinearLayer[] linears = new LinearLayer[2]; // qkv, proj (replaceable by LoRA wrappers)
    private final RmsNorm qNorm;
    private final RmsNorm kNorm;
    private final Rope rope;
    private final Kernels kernels;

    /**
     * @param qNorm, kNorm per-head norms (Qwen3) or null
     * @param rope         null for learned positions
     */
    public Attention(ModelConfig config, int layer, Linear qkv, Linear proj, RmsNorm qNorm, RmsNorm kNorm, Rope rope,
                     Kernels kernels) {
        this.layer = layer;
        this.nHead = config.nHead();
        this.nKvHead = config.nKvHead();
        this.headDim = config.headDim();
        this.qkvDim = config.qkvDim();
        double s = 1.0 / Math.sqrt(headDim);
        this.scale = config.scaleAttnByInverseLayerIdx() ? s / (layer + 1) : s;
        this.window = config.slidingWindow();
        this.linears[0] = qkv;
        this.linears[1] = proj;
        this.qNorm = qNorm;
        this.kNorm = kNorm;
        this.rope = rope;
        this.kernels = kernels;
    }

    public LinearLayer qkv() {
        return linears[0];
    }

    public LinearLayer proj() {
        return linears[1];
    }

    public void setQkv(LinearLayer l) {
        linears[0] = l;
    }

    public void setProj(LinearLayer l) {
        linears[1] = l;
    }

    /** Activations of one layer for up to (maxBatch, maxSeqLen); {@code maxSeqLen} 0 for decode (no att). */
    public Acts acts(Buffers b, int maxBatch, int maxSeqLen, int maxRows) {
        long rows = maxRows;
        boolean norm = qNorm != null;
        return new Acts(b, b.alloc(rows * qkvDim), b.alloc((long) maxBatch * nHead * maxSeqLen * maxSeqLen),
                b.alloc(rows * nHead * headDim), norm ? b.alloc(rows * nHead * headDim) : null,
                norm ? b.alloc(rows * nKvHead * headDim) : null, norm ? qNorm.stats(b, rows * nHead) : null,
                norm ? kNorm.stats(b, rows * nKvHead) : null);
    }

    private long qWidth() {
        return (long) nHead * headDim;
    }

    private long kvWidth() {
        return (long) nKvHead * headDim;
    }

    /** branch (N, C) = attention over x (N, C), the attention-normed residual. */
    public void forward(INDArray branch, INDArray x, Acts a, Pass p) {
        int n = p.rows();
        Buffers b = a.buffers();
        INDArray qkv = b.view(a.qkv(), n, qkvDim);
        linears[0].forward(qkv, x, p);
        p.lap(StepProfile.Kind.ATTENTION_LINEAR, false);
        normAndRotate(a, n, p.positions());
        INDArray out = b.view(a.out(), n, qWidth());
        kernels.attentionForward(out, b.view(a.att(), p.batch(), nHead, p.seqLen(), p.seqLen()), qkv, nHead, nKvHead,
                headDim, scale, window, p.segmentIds(), p.dropout(), p.seed(), 1 + 3L * layer);
        p.lap(StepProfile.Kind.ATTENTION_CORE, false);
        linears[1].forward(branch, out, p);
        p.lap(StepProfile.Kind.ATTENTION_LINEAR, false);
    }

    /** Qwen3's q/k norm (keeping the pre-norm values), then RoPE, in place on the q and k columns of qkv. */
    private void normAndRotate(Acts a, int n, int[] positions) {
        Buffers b = a.buffers();
        INDArray q = b.columns(a.qkv(), n, qkvDim, 0, qWidth());
        INDArray k = b.columns(a.qkv(), n, qkvDim, qWidth(), qWidth() + kvWidth());
        if (qNorm != null) {
            headNormForward(qNorm, q, a.qPre(), a.qStats(), nHead, n, b);
            headNormForward(kNorm, k, a.kPre(), a.kStats(), nKvHead, n, b);
        }
        if (rope != null) {
            rope.forward(q, nHead, positions);
            rope.forward(k, nKvHead, positions);
        }
    }

    private void headNormForward(RmsNorm norm, INDArray x, INDArray pre, Norm.Stats stats, int heads, int n,
                                 Buffers b) {
        long width = (long) heads * headDim;
        b.view(pre, n, width).assign(x);
        INDArray normed = b.shared("attn.head_norm", (long) n * width);
        norm.forward(b.view(normed, (long) n * heads, headDim), b.view(pre, (long) n * heads, headDim), stats);
        x.assign(b.view(normed, n, width));
    }

    /**
     * dx (N, C) = the gradient w.r.t. the forward's x (overwritten) from dbranch (N, C); the projections' and
     * norms' weight gradients accumulate.
     */
    public void backward(INDArray dx, INDArray dbranch, INDArray x, Acts a, Pass p) {
        int n = p.rows();
        Buffers b = a.buffers();
        INDArray dout = b.view(b.shared("attn.dout", (long) n * qWidth()), n, qWidth());
        linears[1].backward(dout, dbranch, b.view(a.out(), n, qWidth()), p);
        p.lap(StepProfile.Kind.ATTENTION_LINEAR, true);
        INDArray dqkvBuf = b.shared("attn.dqkv", (long) n * qkvDim);
        INDArray dqkv = b.view(dqkvBuf, n, qkvDim);
        kernels.attentionBackward(dqkv, dout, b.view(a.qkv(), n, qkvDim),
                b.view(a.att(), p.batch(), nHead, p.seqLen(), p.seqLen()), nHead, nKvHead, headDim, scale, window,
                p.dropout(), p.seed(), 1 + 3L * layer);
        INDArray dq = b.columns(dqkvBuf, n, qkvDim, 0, qWidth());
        INDArray dk = b.columns(dqkvBuf, n, qkvDim, qWidth(), qWidth() + kvWidth());
        if (rope != null) {
            rope.backward(dq, nHead, p.positions());
            rope.backward(dk, nKvHead, p.positions());
        }
        if (qNorm != null) {
            headNormBackward(qNorm, dq, a.qPre(), a.qStats(), nHead, n, b);
            headNormBackward(kNorm, dk, a.kPre(), a.kStats(), nKvHead, n, b);
        }
        p.lap(StepProfile.Kind.ATTENTION_CORE, true);
        linears[0].backward(dx, dqkv, x, p);
        p.lap(StepProfile.Kind.ATTENTION_LINEAR, true);
    }

    private void headNormBackward(RmsNorm norm, INDArray dx, INDArray pre, Norm.Stats stats, int heads, int n,
                                  Buffers b) {
        long width = (long) heads * headDim;
        INDArray dnormed = b.shared("attn.head_norm", (long) n * width);
        b.view(dnormed, n, width).assign(dx);
        INDArray dpre = b.shared("attn.head_norm_grad", (long) n * width);
        b.view(dpre, n, width).assign(0.0);
        norm.backward(b.view(dpre, (long) n * heads, headDim), b.view(dnormed, (long) n * heads, headDim),
                b.view(pre, (long) n * heads, headDim), stats);
        dx.assign(b.view(dpre, n, width));
    }

    /**
     * The KV-cached decode of N rows, each a new position of some sequence: branch (N, C) from x (N, C); row n
     * belongs to cache slot {@code slots[n]} at {@code positions[n]}. Writes every row's k and v into the caches
     * (S, maxLen, nKvHead hd) first, so rows of one sequence at consecutive positions (a prompt's chunk) see each
     * other, then attends each row to its slot's cached rows [max(0, position + 1 - window), position].
     */
    public void decode(INDArray branch, INDArray x, Acts a, INDArray kCache, INDArray vCache, int[] slots,
                       int[] positions, Pass p) {
        int n = (int) x.size(0);
        Buffers b = a.buffers();
        INDArray qkv = b.view(a.qkv(), n, qkvDim);
        linears[0].forward(qkv, x, p);
        normAndRotate(a, n, positions);
        kernels.kvCacheWrite(kCache, vCache, qkv, nHead, nKvHead, headDim, slots, positions);
        int[] len = new int[n];
        for (int i = 0; i < n; i++) {
            len[i] = positions[i] + 1;
        }
        INDArray out = b.view(a.out(), n, qWidth());
        kernels.attentionDecode(out, b.columns(a.qkv(), n, qkvDim, 0, qWidth()), kCache, vCache, slots, len, nHead,
                nKvHead, headDim, scale, window);
        linears[1].forward(branch, out, p);
    }
}
