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
import org.nd4j.linalg.indexing.NDArrayIndex;
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

    /** (B, X, Y, hs) -> (B, Y, X, hs): between (B, NH, T, hs) and (B, T, NH, hs). */
    private static final int[] SWAP_HEADS_AND_TIME = {0, 2, 1, 3};

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
        if (wpe == null) {
            return;
        }
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
        if (dwpe == null) {
            return;
        }
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
        INDArray squares = inp.mul(inp).mean(1);                    // (N)
        rstd.assign(Transforms.pow(squares.addi(eps), -0.5, false));
        Nd4j.exec(new BroadcastMulOp(inp, rstd, out, 0));           // (N, C)
        Nd4j.exec(new BroadcastMulOp(out, weight, out, 1));
    }

    @Override
    public void rmsNormBackward(INDArray dinp, INDArray dweight, INDArray dout, INDArray inp, INDArray weight,
                                INDArray rstd) {
        // dx = r dy w - r^3 x sum_j(dy_j w_j x_j) / C; dw = sum over rows of dy x r
        INDArray xhat = inp.ulike();                                // (N, C)
        Nd4j.exec(new BroadcastMulOp(inp, rstd, xhat, 0));
        dweight.addi(dout.mul(xhat).sum(0));
        INDArray dyw = dout.ulike();                                // (N, C)
        Nd4j.exec(new BroadcastMulOp(dout, weight, dyw, 1));
        INDArray k = dyw.mul(xhat).mean(1);                         // (N): r sum(dy w x) / C
        Nd4j.exec(new BroadcastMulOp(xhat, k, xhat, 0));            // r^2 x sum(dy w x) / C
        dyw.subi(xhat);
        Nd4j.exec(new BroadcastMulOp(dyw, rstd, dyw, 0));
        dinp.addi(dyw);
    }

    @Override
    public void ropeForward(INDArray x, int nHeads, int headDim, int[] positions, INDArray cos, INDArray sin) {
        rotate(x, nHeads, headDim, positions, cos, sin, false);
    }

    @Override
    public void ropeBackward(INDArray dx, int nHeads, int headDim, int[] positions, INDArray cos, INDArray sin) {
        // the rotation is orthogonal: the rotation by -angle carries the gradient back
        rotate(dx, nHeads, headDim, positions, cos, sin, true);
    }

    /** x (N, nHeads * headDim) rotated in place by the angles of the tables' rows at the positions (negated). */
    private void rotate(INDArray x, int nHeads, int headDim, int[] positions, INDArray cos, INDArray sin,
                        boolean inverse) {
        Heads.checkRope(x, nHeads, headDim, positions, cos, sin);
        int n = (int) x.size(0);
        int half = headDim / 2;
        // x as (N, nHeads, headDim) with its row stride; x1 and x2 its two halves (N, nHeads, half)
        long rowStride = n > 1 ? x.stride(0) : (long) nHeads * headDim;
        INDArray heads = Nd4j.create(x.data(), new long[] {n, nHeads, headDim}, new long[] {rowStride, headDim, 1},
                x.offset(), 'c', x.dataType());
        INDArray x1 = heads.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, half));
        INDArray x2 = heads.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(half, headDim));
        INDArray idx = indices(positions, n);
        INDArray c = Nd4j.exec(DynamicCustomOp.builder("gather").addInputs(cos, idx).addIntegerArguments(0)
                .build())[0];                                       // (N, half)
        INDArray s = Nd4j.exec(DynamicCustomOp.builder("gather").addInputs(sin, idx).addIntegerArguments(0)
                .build())[0];
        if (inverse) {
            s.negi();
        }
        INDArray x1c = scratch("ropeA", x.dataType(), n, nHeads, half);
        INDArray x2s = scratch("ropeB", x.dataType(), n, nHeads, half);
        Nd4j.exec(new BroadcastMulOp(x1, c, x1c, 0, 2));            // x1 c
        Nd4j.exec(new BroadcastMulOp(x2, s, x2s, 0, 2));            // x2 s
        Nd4j.exec(new BroadcastMulOp(x1, s, x1, 0, 2));             // x1 <- x1 s
        Nd4j.exec(new BroadcastMulOp(x2, c, x2, 0, 2));             // x2 <- x2 c
        x2.addi(x1);                                                // x2 c + x1 s
        x1.assign(x1c.subi(x2s));                                   // x1 c - x2 s
    }

    @Override
    public void swigluForward(INDArray out, INDArray gateUp) {
        long inter = out.size(1);
        INDArray gate = gateUp.get(NDArrayIndex.all(), NDArrayIndex.interval(0, inter));
        INDArray up = gateUp.get(NDArrayIndex.all(), NDArrayIndex.interval(inter, 2 * inter));
        // silu(g) u = sigmoid(g) g u
        Transforms.sigmoid(out.assign(gate), false).muli(gate).muli(up);
    }

    @Override
    public void swigluBackward(INDArray dGateUp, INDArray dout, INDArray gateUp) {
        long inter = dout.size(1);
        INDArray gate = gateUp.get(NDArrayIndex.all(), NDArrayIndex.interval(0, inter));
        INDArray up = gateUp.get(NDArrayIndex.all(), NDArrayIndex.interval(inter, 2 * inter));
        INDArray dGate = dGateUp.get(NDArrayIndex.all(), NDArrayIndex.interval(0, inter));
        INDArray dUp = dGateUp.get(NDArrayIndex.all(), NDArrayIndex.interval(inter, 2 * inter));
        INDArray s = Transforms.sigmoid(gate, true);                // (N, I)
        dUp.assign(s.mul(gate).muli(dout));                         // dy g s
        // d gate = dy u (s + g s (1 - s)) = dy u s (1 + g (1 - s))
        INDArray slope = s.rsub(1.0).muli(gate).addi(1.0).muli(s);
        dGate.assign(slope.muli(up).muli(dout));
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

    /**
     * The rows of qkv (or dqkv) as (B, T, heads, headDim) starting at head column {@code firstHead}, with qkv's
     * row stride: the q, k or v part as a strided view.
     */
    private static INDArray part(INDArray rows, int b, int t, int firstHead, int heads, int headDim) {
        long stride = rows.size(0) > 1 ? rows.stride(0) : rows.size(1);
        return Nd4j.create(rows.data(), new long[] {b, t, heads, headDim},
                new long[] {t * stride, stride, headDim, 1}, rows.offset() + (long) firstHead * headDim, 'c',
                rows.dataType());
    }

    /**
     * q, and k and v repeated over their groups of query heads, each (B, nHead, T, headDim) in scratch: head h's
     * keys and values are those of key/value head h / (nHead / nKvHead).
     */
    private INDArray[] splitHeads(INDArray qkv, int b, int t, int nHead, int nKvHead, int hs) {
        int group = nHead / nKvHead;
        INDArray q = scratch("q", qkv.dataType(), b, nHead, t, hs);
        q.assign(part(qkv, b, t, 0, nHead, hs).permute(SWAP_HEADS_AND_TIME));
        INDArray k = scratch("k", qkv.dataType(), b, nHead, t, hs);
        INDArray v = scratch("v", qkv.dataType(), b, nHead, t, hs);
        INDArray kParts = part(qkv, b, t, nHead, nKvHead, hs).permute(SWAP_HEADS_AND_TIME);          // (B, KV, T, hs)
        INDArray vParts = part(qkv, b, t, nHead + nKvHead, nKvHead, hs).permute(SWAP_HEADS_AND_TIME);
        for (int member = 0; member < group; member++) {
            // (B, KV, G, T, hs) is (B, nHead, T, hs) with h = kv * G + member
            grouped(k, b, nKvHead, group, t, hs, member).assign(kParts);
            grouped(v, b, nKvHead, group, t, hs, member).assign(vParts);
        }
        return new INDArray[] {q, k, v};
    }

    /** The (B, KV, T, hs) view of the heads kv * group + member of a (B, nHead, T, hs) array. */
    private static INDArray grouped(INDArray heads, int b, int nKvHead, int group, int t, int hs, int member) {
        long tHs = (long) t * hs;
        return Nd4j.create(heads.data(), new long[] {b, nKvHead, t, hs},
                new long[] {(long) nKvHead * group * tHs, group * tHs, hs, 1}, heads.offset() + member * tHs, 'c',
                heads.dataType());
    }

    @Override
    public void attentionForward(INDArray out, INDArray att, INDArray qkv, int nHead, int nKvHead, int headDim,
                                 double scale, int window, int[] segmentIds, double dropout, long seed,
                                 long stream) {
        Heads.check(qkv, nHead, nKvHead, headDim);
        int b = (int) att.size(0);
        int t = (int) att.size(2);
        int hs = headDim;
        long bh = (long) b * nHead;
        INDArray[] heads = splitHeads(qkv, b, t, nHead, nKvHead, hs);
        // att (B*NH, T, T) = q @ k^T; then scale, + mask (B, T, T) broadcast over heads, softmax over keys
        Nd4j.matmul(Views.of(heads[0], 0, bh, t, hs), Views.of(heads[1], 0, bh, t, hs), Views.of(att, 0, bh, t, t),
                false, true, false);
        att.muli(scale);
        Nd4j.exec(new BroadcastAddOp(att, mask(segmentIds, window, b, t, att), att, 0, 2, 3));
        Nd4j.exec(new SoftMax(att, att, 3));
        INDArray y = scratch("heads", att.dataType(), bh, t, hs);
        Nd4j.matmul(dropped(att, dropout, seed, stream), Views.of(heads[2], 0, bh, t, hs), y, false, false, false);
        // out (B, T, NH, hs) = y (B, NH, T, hs) permuted
        part(out, b, t, 0, nHead, hs).assign(Views.of(y, 0, b, nHead, t, hs).permute(SWAP_HEADS_AND_TIME));
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

    /**
     * The additive mask (B, T, T): 0 where query i sees key j ({@link NaiveKernels#allowed}), {@link #MASKED}
     * elsewhere, built with ND4J ops from the positions and the segment ids; cached while they do not change.
     */
    private INDArray mask(int[] segmentIds, int window, int b, int t, INDArray like) {
        int[] key = segmentIds == null ? new int[] {b, t, window} : concat(new int[] {b, t, window}, segmentIds);
        if (cachedMask == null || !Arrays.equals(key, cachedMaskKey) || cachedMask.dataType() != like.dataType()) {
            DataType type = like.dataType();
            // i - j for query i (rows) and key j (columns)
            INDArray positions = Nd4j.arange(t).castTo(type);
            INDArray back = positions.reshape(t, 1).repeat(1, t).subi(positions.reshape(1, t).repeat(0, t));
            INDArray allowed = back.gte(0).castTo(type);                                    // (T, T) causal
            if (window > 0) {
                allowed.muli(back.lt(window).castTo(type));
            }
            INDArray batch = allowed.reshape(1, t, t).repeat(0, b);                         // (B, T, T)
            if (segmentIds != null) {
                INDArray seg = Nd4j.createFromArray(Arrays.copyOf(segmentIds, b * t)).castTo(DataType.LONG)
                        .reshape(b, t);
                INDArray own = seg.reshape(b, t, 1).repeat(2, t);                           // segment of query i
                INDArray other = seg.reshape(b, 1, t).repeat(1, t);                         // segment of key j
                batch.muli(own.eq(other).castTo(type));
            }
            cachedMask = batch.rsubi(1.0).muli(MASKED);
            cachedMaskKey = key;
        }
        return cachedMask;
    }

    @Override
    public void attentionBackward(INDArray dqkv, INDArray dout, INDArray qkv, INDArray att, int nHead, int nKvHead,
                                  int headDim, double scale, int window, double dropout, long seed, long stream) {
        Heads.check(qkv, nHead, nKvHead, headDim);
        int b = (int) att.size(0);
        int t = (int) att.size(2);
        int hs = headDim;
        int group = nHead / nKvHead;
        long bh = (long) b * nHead;
        DataType type = att.dataType();
        INDArray[] heads = splitHeads(qkv, b, t, nHead, nKvHead, hs);
        // dy (B, NH, T, hs) = dout (B, T, NH, hs) permuted
        INDArray dy = scratch("dheads", type, b, nHead, t, hs);
        dy.assign(part(dout, b, t, 0, nHead, hs).permute(SWAP_HEADS_AND_TIME));
        dy = Views.of(dy, 0, bh, t, hs);
        INDArray dq = scratch("dq", type, b, nHead, t, hs);
        INDArray dk = scratch("dk", type, b, nHead, t, hs);
        INDArray dv = scratch("dv", type, b, nHead, t, hs);
        INDArray datt = scratch("datt", type, b, nHead, t, t);
        INDArray datt3 = Views.of(datt, 0, bh, t, t);
        Nd4j.matmul(dy, Views.of(heads[2], 0, bh, t, hs), datt3, false, true, false);           // datt = dy v^T
        Nd4j.matmul(dropped(att, dropout, seed, stream), dy, Views.of(dv, 0, bh, t, hs), true, false, false);
        if (dropout > 0) {
            dropout(datt3, dropout, seed, stream);
        }
        // softmax backward: dpre = scale * att * (datt - rowsum(att * datt))
        INDArray dot = att.mul(datt).sum(3);                                                    // (B, NH, T)
        Nd4j.exec(new BroadcastSubOp(datt, dot, datt, 0, 1, 2));
        datt.muli(att).muli(scale);
        Nd4j.matmul(datt3, Views.of(heads[1], 0, bh, t, hs), Views.of(dq, 0, bh, t, hs), false, false, false);
        Nd4j.matmul(datt3, Views.of(heads[0], 0, bh, t, hs), Views.of(dk, 0, bh, t, hs), true, false, false);
        // dqkv: q part = dq permuted; k and v parts = the sums over each group of query heads
        part(dqkv, b, t, 0, nHead, hs).assign(dq.permute(SWAP_HEADS_AND_TIME));
        INDArray dkParts = part(dqkv, b, t, nHead, nKvHead, hs).permute(SWAP_HEADS_AND_TIME);     // (B, KV, T, hs)
        INDArray dvParts = part(dqkv, b, t, nHead + nKvHead, nKvHead, hs).permute(SWAP_HEADS_AND_TIME);
        dkParts.assign(grouped(dk, b, nKvHead, group, t, hs, 0));
        dvParts.assign(grouped(dv, b, nKvHead, group, t, hs, 0));
        for (int member = 1; member < group; member++) {
            dkParts.addi(grouped(dk, b, nKvHead, group, t, hs, member));
            dvParts.addi(grouped(dv, b, nKvHead, group, t, hs, member));
        }
    }

    @Override
    public void attentionDecode(INDArray out, INDArray q, INDArray kCache, INDArray vCache, int[] slots, int[] len,
                                int nHead, int nKvHead, int headDim, double scale, int window) {
        Heads.checkDecode(out, q, kCache, vCache, slots, len, nHead, nKvHead, headDim);
        int group = nHead / nKvHead;
        for (int b = 0; b < len.length; b++) {
            int first = window > 0 ? Math.max(0, len[b] - window) : 0;
            int keys = len[b] - first;
            // per key/value head: scores (KV, G, L) = q (KV, G, hs) @ k (KV, L, hs)^T, softmax over L, @ v (KV, L, hs)
            INDArray qb = row(q, b).reshape(nKvHead, group, headDim);
            INDArray kb = kCache.get(NDArrayIndex.point(slots[b]), NDArrayIndex.interval(first, len[b]),
                    NDArrayIndex.all()).reshape(keys, nKvHead, headDim).permute(1, 0, 2).dup('c');
            INDArray vb = vCache.get(NDArrayIndex.point(slots[b]), NDArrayIndex.interval(first, len[b]),
                    NDArrayIndex.all()).reshape(keys, nKvHead, headDim).permute(1, 0, 2).dup('c');
            INDArray scores = Nd4j.matmul(qb.dup('c'), kb, null, false, true, false).muli(scale);
            Nd4j.exec(new SoftMax(scores, scores, 2));
            INDArray y = Nd4j.matmul(scores, vb, null, false, false, false);              // (KV, G, hs)
            row(out, b).assign(y.reshape(nHead * headDim));
        }
    }

    /**
     * Row r (W) of a 2-D array whose rows may be spaced wider than W (a column slice): ND4J's own
     * {@code get(point(r), all())} of such a slice with three or more rows returns an array without data.
     */
    private static INDArray row(INDArray a, int r) {
        long rowStride = a.size(0) > 1 ? a.stride(0) : a.size(1);
        return Nd4j.create(a.data(), new long[] {a.size(1)}, new long[] {1}, a.offset() + r * rowStride, 'c',
                a.dataType());
    }

    @Override
    public void kvCacheWrite(INDArray kCache, INDArray vCache, INDArray qkv, int nHead, int nKvHead, int headDim,
                             int[] slots, int[] positions) {
        Heads.checkCacheWrite(kCache, vCache, qkv, nHead, nKvHead, headDim, slots, positions);
        long qWidth = (long) nHead * headDim;
        long kvWidth = (long) nKvHead * headDim;
        for (int n = 0; n < slots.length; n++) {
            INDArray row = row(qkv, n);
            kCache.get(NDArrayIndex.point(slots[n]), NDArrayIndex.point(positions[n]), NDArrayIndex.all())
                    .assign(row.get(NDArrayIndex.interval(qWidth, qWidth + kvWidth)));
            vCache.get(NDArrayIndex.point(slots[n]), NDArrayIndex.point(positions[n]), NDArrayIndex.all())
                    .assign(row.get(NDArrayIndex.interval(qWidth + kvWidth, qWidth + 2 * kvWidth)));
        }
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
        // Dropout.keep over every element index, in 64-bit integer ops (which wrap as Java's long arithmetic does)
        long n = x.length();
        INDArray h = Nd4j.linspace(DataType.LONG, 0, n, 1).addi(stream * Dropout.GOLDEN);       // (n) LONG
        h = mix(xor(mix(h), seed));
        // 53 random bits -> uniform in [0, 1); kept where u >= p
        INDArray u = shiftRightUnsigned(h, 11).castTo(DataType.DOUBLE).muli(0x1.0p-53);
        INDArray keep = u.gte(p).castTo(x.dataType()).muli(1.0 / (1.0 - p));
        x.muli(keep.reshape(x.shape()));
    }

    /** {@link Dropout#mix} element-wise on a LONG array. */
    private static INDArray mix(INDArray z) {
        z = z.addi(Dropout.GOLDEN);
        z = xor(z, shiftRightUnsigned(z, 30)).muli(Dropout.MIX1);
        z = xor(z, shiftRightUnsigned(z, 27)).muli(Dropout.MIX2);
        return xor(z, shiftRightUnsigned(z, 31));
    }

    private static INDArray xor(INDArray a, INDArray b) {
        return Nd4j.exec(DynamicCustomOp.builder("bitwise_xor").addInputs(a, b).build())[0];
    }

    private static INDArray xor(INDArray a, long b) {
        return xor(a, Nd4j.scalar(b));
    }

    /** a &gt;&gt;&gt; bits: ND4J's shift is arithmetic, so the sign bits it brings in are masked off. */
    private static INDArray shiftRightUnsigned(INDArray a, int bits) {
        INDArray shifted = Nd4j.exec(DynamicCustomOp.builder("rshift_bits")
                .addInputs(a, Nd4j.valueArrayOf(a.shape(), bits, DataType.LONG)).build())[0];
        return Nd4j.exec(DynamicCustomOp.builder("bitwise_and")
                .addInputs(shifted, Nd4j.scalar((1L << (64 - bits)) - 1)).build())[0];
    }

    @Override
    public double sumOfSquares(INDArray[] xs) {
        double sum = 0;
        for (INDArray x : xs) {
            double norm = x.norm2Number().doubleValue();
            sum += norm * norm;
        }
        return sum;
    }

    @Override
    public void scale(INDArray[] xs, double s) {
        for (INDArray x : xs) {
            x.muli(s);
        }
    }

    /** One ND4J op per line of the update over each tensor, with a scratch array as long as the longest. */
    @Override
    public void adamw(INDArray[] params, INDArray[] grads, INDArray[] m, INDArray[] v, boolean[] decays,
                      double decay, double stepSize, double beta1, double beta2, double biasCorrection2, double eps) {
        for (int t = 0; t < params.length; t++) {
            INDArray g = grads[t];
            INDArray tmp = scratch("adamw", g.dataType(), g.length());
            m[t].muli(beta1).addi(tmp.assign(g).muli(1 - beta1));
            v[t].muli(beta2).addi(tmp.assign(g).muli(g).muli(1 - beta2));
            if (decays[t]) {
                params[t].muli(decay);
            }
            tmp.assign(v[t]).divi(biasCorrection2);
            Transforms.sqrt(tmp, false).addi(eps).rdivi(m[t]).muli(stepSize);
            params[t].subi(tmp);
        }
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
