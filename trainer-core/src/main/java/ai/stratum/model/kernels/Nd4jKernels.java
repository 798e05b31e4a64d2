package ai.stratum.model.kernels;

import ai.stratum.model.Views;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Kernels written only with ND4J ops (broadcasts, reductions, gather/scatter, softmax), so they run unchanged on
 * the CUDA backend. Reductions allocate small temporaries; attention keeps its scratch arrays between calls (so an
 * instance is not thread-safe). The fused {@link CpuKernels} are the fast CPU path.
 */
public final class Nd4jKernels implements Kernels {

    /** Added to masked attention scores: exp of it underflows to exactly 0 in float and double. */
    private static final double MASKED = -1e9;
    private static final double GELU_K = Math.sqrt(2.0 / Math.PI);
    private static final double GELU_CUBIC = 0.044715;

    /** (B, T, 3, NH, hs) -> (3, B, NH, T, hs): q, k and v split by head. */
    private static final int[] QKV_TO_HEADS = {2, 0, 3, 1, 4};
    /** (B, X, Y, hs) -> (B, Y, X, hs): between (B, NH, T, hs) and (B, T, NH, hs). */
    private static final int[] SWAP_HEADS_AND_TIME = {0, 2, 1, 3};

    private static final Kernels REFERENCE = new NaiveKernels();

    private final Map<String, INDArray> scratch = new HashMap<>();
    private INDArray cachedMask;
    private int[] cachedMaskKey;

    @Override
    public void matmul(INDArray c, INDArray a, INDArray b, boolean transA, boolean transB, double alpha,
                       double beta) {
        Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
    }

    @Override
    public void addBias(INDArray out, INDArray bias) {
        Nd4j.exec(new BroadcastAddOp(out, bias, out, 1));
    }

    @Override
    public void add(INDArray out, INDArray a, INDArray b) {
        Nd4j.exec(new AddOp(a, b, out));
    }

    @Override
    public void embeddingForward(INDArray out, int[] tokens, int[] positions, INDArray wte, INDArray wpe) {
        int n = (int) out.size(0);
        // out (N, C) = wte rows gathered by token + wpe rows gathered by position
        Nd4j.exec(DynamicCustomOp.builder("gather").addInputs(wte, indices(tokens, n)).addOutputs(out)
                .addIntegerArguments(0).build());
        INDArray pos = out.ulike();
        Nd4j.exec(DynamicCustomOp.builder("gather").addInputs(wpe, indices(positions, n)).addOutputs(pos)
                .addIntegerArguments(0).build());
        out.addi(pos);
    }

    @Override
    public void embeddingBackward(INDArray dwte, INDArray dwpe, INDArray dout, int[] tokens, int[] positions) {
        int n = (int) dout.size(0);
        // the lock flag makes repeated indices add up serially
        Nd4j.exec(DynamicCustomOp.builder("scatter_add").addInputs(dwte, indices(tokens, n), dout)
                .addOutputs(dwte).addBooleanArguments(true).build());
        Nd4j.exec(DynamicCustomOp.builder("scatter_add").addInputs(dwpe, indices(positions, n), dout)
                .addOutputs(dwpe).addBooleanArguments(true).build());
    }

    @Override
    public void layerNormForward(INDArray out, INDArray mean, INDArray rstd, INDArray inp, INDArray weight,
                                 INDArray bias, double eps) {
        mean.assign(inp.mean(1));                                   // (N)
        Nd4j.exec(new BroadcastSubOp(inp, mean, out, 0));           // (N, C) centred
        INDArray variance = out.mul(out).mean(1);                   // (N)
        rstd.assign(Transforms.pow(variance.addi(eps), -0.5, false));
        Nd4j.exec(new BroadcastMulOp(out, rstd, out, 0));
        Nd4j.exec(new BroadcastMulOp(out, weight, out, 1));
        Nd4j.exec(new BroadcastAddOp(out, bias, out, 1));
    }

    @Override
    public void layerNormBackward(INDArray dinp, INDArray dweight, INDArray dbias, INDArray dout, INDArray inp,
                                  INDArray weight, INDArray mean, INDArray rstd) {
        INDArray xhat = inp.ulike();                                // (N, C)
        Nd4j.exec(new BroadcastSubOp(inp, mean, xhat, 0));
        Nd4j.exec(new BroadcastMulOp(xhat, rstd, xhat, 0));
        dbias.addi(dout.sum(0));
        dweight.addi(dout.mul(xhat).sum(0));
        INDArray dnorm = dout.ulike();                              // (N, C)
        Nd4j.exec(new BroadcastMulOp(dout, weight, dnorm, 1));
        INDArray dnormMean = dnorm.mean(1);                         // (N)
        INDArray dnormXhatMean = dnorm.mul(xhat).mean(1);           // (N)
        Nd4j.exec(new BroadcastMulOp(xhat, dnormXhatMean, xhat, 0));
        dnorm.subi(xhat);
        Nd4j.exec(new BroadcastSubOp(dnorm, dnormMean, dnorm, 0));
        Nd4j.exec(new BroadcastMulOp(dnorm, rstd, dnorm, 0));
        dinp.addi(dnorm);
    }

    @Override
    public void rmsNormForward(INDArray out, INDArray rstd, INDArray inp, INDArray weight, double eps) {
        REFERENCE.rmsNormForward(out, rstd, inp, weight, eps);
    }

    @Override
    public void rmsNormBackward(INDArray dinp, INDArray dweight, INDArray dout, INDArray inp, INDArray weight,
                                INDArray rstd) {
        REFERENCE.rmsNormBackward(dinp, dweight, dout, inp, weight, rstd);
    }

    @Override
    public void ropeForward(INDArray x, int nHeads, int headDim, int[] positions, INDArray cos, INDArray sin) {
        REFERENCE.ropeForward(x, nHeads, headDim, positions, cos, sin);
    }

    @Override
    public void ropeBackward(INDArray dx, int nHeads, int headDim, int[] positions, INDArray cos, INDArray sin) {
        REFERENCE.ropeBackward(dx, nHeads, headDim, positions, cos, sin);
    }

    @Override
    public void swigluForward(INDArray out, INDArray gateUp) {
        REFERENCE.swigluForward(out, gateUp);
    }

    @Override
    public void swigluBackward(INDArray dGateUp, INDArray dout, INDArray gateUp) {
        REFERENCE.swigluBackward(dGateUp, dout, gateUp);
    }

    @Override
    public void geluForward(INDArray out, INDArray inp) {
        // 0.5 x (1 + tanh(k (x + 0.044715 x^3)))
        out.assign(inp).muli(inp).muli(inp).muli(GELU_CUBIC).addi(inp).muli(GELU_K);
        Transforms.tanh(out, false);
        out.addi(1.0).muli(inp).muli(0.5);
    }

    @Override
    public void geluBackward(INDArray dinp, INDArray dout, INDArray inp) {
        // 0.5 (1 + th) + 0.5 x (1 - th^2) k (1 + 3 * 0.044715 x^2), th = tanh(k (x + 0.044715 x^3))
        INDArray th = inp.ulike().assign(inp).muli(inp).muli(inp).muli(GELU_CUBIC).addi(inp).muli(GELU_K);
        Transforms.tanh(th, false);
        INDArray slope = inp.mul(inp).muli(3 * GELU_CUBIC).addi(1.0).muli(GELU_K).muli(inp).muli(0.5);
        slope.muli(th.mul(th).rsubi(1.0));
        slope.addi(th.addi(1.0).muli(0.5));
        dinp.assign(slope.muli(dout));
    }

    @Override
    public void attentionForward(INDArray out, INDArray att, INDArray qkv, int nHead, int nKvHead, int headDim,
                                 double scale, int window, int[] segmentIds, double dropout, long seed,
                                 long stream) {
        Heads.check(qkv, nHead, nKvHead, headDim);
        if (nKvHead != nHead) {
            REFERENCE.attentionForward(out, att, qkv, nHead, nKvHead, headDim, scale, window, segmentIds, dropout,
                    seed, stream);
            return;
        }
        int b = (int) att.size(0);
        int nh = nHead;
        int t = (int) att.size(2);
        int hs = headDim;
        long bh = (long) b * nh;
        INDArray qkvHeads = splitHeads(qkv, b, nh, t, hs);
        INDArray q = Views.of(qkvHeads, 0, bh, t, hs);
        INDArray k = Views.of(qkvHeads, bh * t * hs, bh, t, hs);
        INDArray v = Views.of(qkvHeads, 2 * bh * t * hs, bh, t, hs);
        // att (B*NH, T, T) = q @ k^T; then scale, + mask (B, T, T) broadcast over heads, softmax over keys
        Nd4j.matmul(q, k, Views.of(att, 0, bh, t, t), false, true, false);
        att.muli(scale);
        Nd4j.exec(new BroadcastAddOp(att, mask(segmentIds, window, b, t, att), att, 0, 2, 3));
        Nd4j.exec(new SoftMax(att, att, 3));
        INDArray heads = scratch("heads", att.dataType(), bh, t, hs);
        Nd4j.matmul(dropped(att, dropout, seed, stream), v, heads, false, false, false);
        // out (B, T, NH, hs) = heads (B, NH, T, hs) permuted
        Views.of(out, 0, b, t, nh, hs).assign(Views.of(heads, 0, b, nh, t, hs).permute(SWAP_HEADS_AND_TIME));
    }

    /** qkv (B, T, 3, NH, hs) copied into a scratch array (3, B, NH, T, hs): q, k and v split by head. */
    private INDArray splitHeads(INDArray qkv, int b, int nh, int t, int hs) {
        INDArray heads = scratch("qkvHeads", qkv.dataType(), 3, b, nh, t, hs);
        heads.assign(Views.of(qkv, 0, b, t, 3, nh, hs).permute(QKV_TO_HEADS));
        return heads;
    }

    /** att (B, NH, T, T) as (B*NH, T, T), after dropout in a scratch copy when p > 0. */
    private INDArray dropped(INDArray att, double p, long seed, long stream) {
        long bh = att.size(0) * att.size(1);
        INDArray flat = Views.of(att, 0, bh, att.size(2), att.size(3));
        if (p == 0) {
            return flat;
        }
        INDArray copy = scratch("attDropped", att.dataType(), bh, att.size(2), att.size(3)).assign(flat);
        dropout(copy, p, seed, stream);
        return copy;
    }

    private INDArray mask(int[] segmentIds, int window, int b, int t, INDArray like) {
        int[] key = segmentIds == null ? new int[] {b, t, window} : concat(new int[] {b, t, window}, segmentIds);
        if (cachedMask == null || !Arrays.equals(key, cachedMaskKey) || cachedMask.dataType() != like.dataType()) {
            double[] m = new double[b * t * t];
            for (int bi = 0; bi < b; bi++) {
                for (int i = 0; i < t; i++) {
                    for (int j = 0; j < t; j++) {
                        m[(bi * t + i) * t + j] = NaiveKernels.allowed(segmentIds, window, bi, t, i, j) ? 0.0 : MASKED;
                    }
                }
            }
            cachedMask = Nd4j.createFromArray(m).reshape(b, t, t).castTo(like.dataType());
            cachedMaskKey = key;
        }
        return cachedMask;
    }

    @Override
    public void attentionBackward(INDArray dqkv, INDArray dout, INDArray qkv, INDArray att, int nHead, int nKvHead,
                                  int headDim, double scale, int window, double dropout, long seed, long stream) {
        Heads.check(qkv, nHead, nKvHead, headDim);
        if (nKvHead != nHead) {
            REFERENCE.attentionBackward(dqkv, dout, qkv, att, nHead, nKvHead, headDim, scale, window, dropout, seed,
                    stream);
            return;
        }
        int b = (int) att.size(0);
        int nh = nHead;
        int t = (int) att.size(2);
        int hs = headDim;
        long bh = (long) b * nh;
        DataType type = att.dataType();
        INDArray qkvHeads = splitHeads(qkv, b, nh, t, hs);
        INDArray q = Views.of(qkvHeads, 0, bh, t, hs);
        INDArray k = Views.of(qkvHeads, bh * t * hs, bh, t, hs);
        INDArray v = Views.of(qkvHeads, 2 * bh * t * hs, bh, t, hs);
        // dheads (B, NH, T, hs) = dout (B, T, NH, hs) permuted
        INDArray dheads = scratch("dheads", type, b, nh, t, hs);
        dheads.assign(Views.of(dout, 0, b, t, nh, hs).permute(SWAP_HEADS_AND_TIME));
        dheads = Views.of(dheads, 0, bh, t, hs);
        INDArray dqkvHeads = scratch("dqkvHeads", type, 3, b, nh, t, hs);
        INDArray dq = Views.of(dqkvHeads, 0, bh, t, hs);
        INDArray dk = Views.of(dqkvHeads, bh * t * hs, bh, t, hs);
        INDArray dv = Views.of(dqkvHeads, 2 * bh * t * hs, bh, t, hs);
        INDArray datt = scratch("datt", type, b, nh, t, t);
        INDArray datt3 = Views.of(datt, 0, bh, t, t);
        Nd4j.matmul(dheads, v, datt3, false, true, false);                                  // datt = dheads v^T
        Nd4j.matmul(dropped(att, dropout, seed, stream), dheads, dv, true, false, false);    // dv = att^T dheads
        if (dropout > 0) {
            dropout(datt3, dropout, seed, stream);
        }
        // softmax backward: dpre = scale * att * (datt - rowsum(att * datt))
        INDArray dot = att.mul(datt).sum(3);                                                // (B, NH, T)
        Nd4j.exec(new BroadcastSubOp(datt, dot, datt, 0, 1, 2));
        datt.muli(att).muli(scale);
        Nd4j.matmul(datt3, k, dq, false, false, false);                                     // dq = dpre k
        Nd4j.matmul(datt3, q, dk, true, false, false);                                      // dk = dpre^T q
        // dqkv (B, T, 3, NH, hs) = dqkvHeads (3, B, NH, T, hs) permuted back
        Views.of(dqkv, 0, b, t, 3, nh, hs).permute(QKV_TO_HEADS).assign(dqkvHeads);
    }

    @Override
    public void attentionDecode(INDArray out, INDArray q, INDArray kCache, INDArray vCache, int[] len, int nHead,
                                int nKvHead, int headDim, double scale, int window) {
        REFERENCE.attentionDecode(out, q, kCache, vCache, len, nHead, nKvHead, headDim, scale, window);
    }

    /** A zeroed-once scratch array of {@code shape}, kept between calls and grown when a call needs more. */
    private INDArray scratch(String name, DataType type, long... shape) {
        long n = Arrays.stream(shape).reduce(1, (x, y) -> x * y);
        INDArray buffer = scratch.get(name);
        if (buffer == null || buffer.length() < n || buffer.dataType() != type) {
            buffer = Nd4j.zeros(type, n);
            scratch.put(name, buffer);
        }
        return Views.of(buffer, 0, shape);
    }

    @Override
    public void biasGradient(INDArray dbias, INDArray dout) {
        // (1, C) += ones (1, N) @ dout (N, C): a gemm, so no temporary
        INDArray ones = Nd4j.ones(dout.dataType(), 1, dout.size(0));
        Nd4j.gemm(ones, dout, dbias.reshape(1, dbias.length()), false, false, 1.0, 1.0);
    }

    @Override
    public double crossEntropy(INDArray dlogits, INDArray logits, int[] targets) {
        Nd4j.exec(new SoftMax(logits, dlogits, 1));
        if (Arrays.stream(targets).noneMatch(t -> t >= 0)) {
            dlogits.assign(0);
            return 0.0;
        }
        INDArray idx = targetIndices(targets, dlogits.size(1));
        INDArray flat = dlogits.reshape(dlogits.length());
        INDArray picked = Nd4j.exec(DynamicCustomOp.builder("gather").addInputs(flat, idx)
                .addIntegerArguments(0).build())[0];
        double loss = -Transforms.log(picked, false).sumNumber().doubleValue();
        Nd4j.exec(DynamicCustomOp.builder("scatter_sub")
                .addInputs(flat, idx, Nd4j.valueArrayOf(new long[] {idx.length()}, 1.0, dlogits.dataType()))
                .addOutputs(flat).build());
        double[] keep = new double[targets.length];
        boolean anyMasked = false;
        for (int n = 0; n < targets.length; n++) {
            keep[n] = targets[n] >= 0 ? 1.0 : 0.0;
            anyMasked |= targets[n] < 0;
        }
        if (anyMasked) {
            Nd4j.exec(new BroadcastMulOp(dlogits, Nd4j.createFromArray(keep).castTo(dlogits.dataType()), dlogits, 0));
        }
        return loss;
    }

    @Override
    public void dropout(INDArray x, double p, long seed, long stream) {
        double[] m = new double[(int) x.length()];
        double scale = 1.0 / (1.0 - p);
        for (int i = 0; i < m.length; i++) {
            m[i] = Dropout.keep(seed, stream, i, p) ? scale : 0.0;
        }
        x.muli(Nd4j.createFromArray(m).reshape(x.shape()).castTo(x.dataType()));
    }

    private static INDArray indices(int[] tokens, int n) {
        return Nd4j.createFromArray(tokens.length == n ? tokens : Arrays.copyOf(tokens, n));
    }

    /** Flat indices n * V + target[n] of the rows that have a target. */
    private static INDArray targetIndices(int[] targets, long v) {
        long[] idx = Arrays.stream(targets).filter(t -> t >= 0).asLongStream().toArray();
        int k = 0;
        for (int n = 0; n < targets.length; n++) {
            if (targets[n] >= 0) {
                idx[k++] = n * v + targets[n];
            }
        }
        return Nd4j.createFromArray(idx);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
