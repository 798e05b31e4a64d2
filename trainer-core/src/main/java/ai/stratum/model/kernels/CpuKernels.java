package ai.stratum.model.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * Fused float32 kernels for the CPU: each reads its rows straight from the arrays' direct buffers into row-sized
 * {@code float[]} scratch, computes in one pass over the row, writes back, and splits the rows over the cores.
 * Float arrays must be row-major contiguous (the model's are); other data types go to {@link Nd4jKernels}.
 *
 * <p>Exponentials use a range-reduced polynomial with relative error below 3e-7 (float rounding is 6e-8): over
 * arrays ({@link #expInPlace}) as short branch-free loops that the JIT vectorizes, many times faster than
 * {@code Math.exp}.
 *
 * <p>Attention multiplies each (batch, head) pair's matrices with OpenBLAS's {@code cblas_sgemm} (the library ND4J
 * itself runs on) directly on the activations' memory with leading dimensions, so q, k, v and the output stay in
 * their (B, T, heads, headDim) layout (a query head reading its key/value head's columns), and only the causal
 * blocks (within the sliding window, when there is one) are computed. The row kernels of the Llama family
 * (RMSNorm, RoPE, SwiGLU) are single passes over each row and accept column slices (row stride above width).
 * The kernels keep scratch arrays between calls, so an instance serves one model at a time (as a model itself is
 * not thread-safe).
 */
public final class CpuKernels implements Kernels {

    private static final float GELU_K = (float) Math.sqrt(2.0 / Math.PI);
    private static final float GELU_CUBIC = 0.044715f;

    private final Kernels fallback = new Nd4jKernels();
    private final int threads;
    private final int maxBlockRows;
    /** Part p of a parallel run takes its row buffers from partScratch[p] only. */
    private final Scratch[] partScratch;
    /** The calling thread's own arrays: weights copied out of their buffers, per-call results. */
    private final Scratch callerScratch = new Scratch();

    public CpuKernels() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** @param threads how many ranges of rows are computed in parallel */
    public CpuKernels(int threads) {
        this(threads, Integer.MAX_VALUE);
    }

    /**
     * @param threads       how many ranges of rows are computed in parallel
     * @param maxBlockRows  a cap on the attention's query rows per block (tests use small blocks to exercise the
     *                      block boundaries on small shapes)
     */
    CpuKernels(int threads, int maxBlockRows) {
        if (maxBlockRows < 1) {
            throw new IllegalArgumentException("max_block_rows: must be at least 1, got " + maxBlockRows);
        }
        this.maxBlockRows = maxBlockRows;
        if (threads < 1) {
            throw new IllegalArgumentException("threads: must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.partScratch = new Scratch[threads];
        for (int p = 0; p < threads; p++) {
            partScratch[p] = new Scratch();
        }
    }

    /**
     * Arrays reused from call to call, so that a training step allocates no row buffers once the first has run.
     * They only grow, so a kernel may get a longer array than it asked for: kernels pass explicit lengths and
     * never read {@code array.length}. This makes an instance serve one caller at a time (as a model does).
     */
    private static final class Scratch {
        private final float[][] floats = new float[6][];
        private double[] doubles = new double[0];

        float[] floats(int slot, int n) {
            float[] a = floats[slot];
            if (a == null || a.length < n) {
                a = new float[n];
                floats[slot] = a;
            }
            return a;
        }

        float[] zeros(int slot, int n) {
            float[] a = floats(slot, n);
            java.util.Arrays.fill(a, 0, n, 0f);
            return a;
        }

        double[] doubles(int n) {
            if (doubles.length < n) {
                doubles = new double[n];
            }
            return doubles;
        }
    }

    @FunctionalInterface
    private interface RowRange {
        void run(Scratch scratch, int from, int to);
    }

    /** How many ranges {@link #parallel} splits n rows into: range p computes with partScratch[p]. */
    private int parts(int n) {
        return Math.max(1, Math.min(threads, n));
    }

    /** Runs {@code body} over [0, n) split into {@link #parts} contiguous ranges, each with its own scratch. */
    private void parallel(int n, RowRange body) {
        int parts = parts(n);
        if (parts == 1) {
            body.run(partScratch[0], 0, n);
            return;
        }
        IntStream.range(0, parts).parallel().forEach(p -> body.run(partScratch[p], (int) ((long) n * p / parts),
                (int) ((long) n * (p + 1) / parts)));
    }

    private static boolean isFloat(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null && a.dataType() != DataType.FLOAT) {
                return false;
            }
        }
        return true;
    }

    /** The first c elements of a vector (a norm's weight, a bias) copied into the caller's scratch slot. */
    private float[] vector(int slot, INDArray a, int c) {
        float[] v = callerScratch.floats(slot, c);
        Rows.of(a).get(0, v, c);
        return v;
    }

    // ---- matmul -----------------------------------------------------------------------------------------------

    /**
     * OpenBLAS's cblas_sgemm on the arrays' memory (threaded as OpenBLAS is configured): on the step's shapes it
     * runs 5-25% faster than {@code Nd4j.gemm}, whose own overhead is 0.2-0.4 ms a call.
     */
    @Override
    public void matmul(INDArray c, INDArray a, INDArray b, boolean transA, boolean transB, double alpha,
                       double beta) {
        if (!isFloat(c, a, b)) {
            fallback.matmul(c, a, b, transA, transB, alpha, beta);
            return;
        }
        int k = (int) (transA ? a.size(0) : a.size(1));
        int n = (int) c.size(1);
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans, (int) c.size(0), n, k,
                (float) alpha, Rows.pointer(a), (int) a.size(1), Rows.pointer(b), (int) b.size(1), (float) beta,
                Rows.pointer(c), n);
    }

    // ---- bias and residual ------------------------------------------------------------------------------------

    @Override
    public void addBias(INDArray out, INDArray bias) {
        if (!isFloat(out, bias)) {
            fallback.addBias(out, bias);
            return;
        }
        int c = (int) out.size(1);
        Rows o = Rows.of(out);
        float[] b = vector(0, bias, c);
        parallel((int) out.size(0), (scratch, from, to) -> {
            float[] row = scratch.floats(0, c);
            for (int r = from; r < to; r++) {
                o.get(r, row, c);
                for (int i = 0; i < c; i++) {
                    row[i] += b[i];
                }
                o.put(r, row, c);
            }
        });
    }

    @Override
    public void add(INDArray out, INDArray a, INDArray b) {
        if (!isFloat(out, a, b)) {
            fallback.add(out, a, b);
            return;
        }
        int c = (int) out.size(1);
        Rows o = Rows.of(out);
        Rows x = Rows.of(a);
        Rows y = Rows.of(b);
        parallel((int) out.size(0), (scratch, from, to) -> {
            float[] row = scratch.floats(0, c);
            float[] other = scratch.floats(1, c);
            for (int r = from; r < to; r++) {
                x.get(r, row, c);
                y.get(r, other, c);
                for (int i = 0; i < c; i++) {
                    row[i] += other[i];
                }
                o.put(r, row, c);
            }
        });
    }

    // ---- embedding --------------------------------------------------------------------------------------------

    @Override
    public void embeddingForward(INDArray out, int[] tokens, int[] positions, INDArray wte, INDArray wpe) {
        if (!isFloat(out, wte, wpe)) {
            fallback.embeddingForward(out, tokens, positions, wte, wpe);
            return;
        }
        int c = (int) out.size(1);
        Rows o = Rows.of(out);
        Rows e = Rows.of(wte);
        Rows p = wpe == null ? null : Rows.of(wpe);
        parallel((int) out.size(0), (scratch, from, to) -> {
            float[] row = scratch.floats(0, c);
            float[] pos = scratch.floats(1, c);
            for (int n = from; n < to; n++) {
                e.get(tokens[n], row, c);
                if (p != null) {
                    p.get(positions[n], pos, c);
                    for (int i = 0; i < c; i++) {
                        row[i] += pos[i];
                    }
                }
                o.put(n, row, c);
            }
        });
    }

    @Override
    public void embeddingBackward(INDArray dwte, INDArray dwpe, INDArray dout, int[] tokens, int[] positions) {
        if (!isFloat(dwte, dwpe, dout)) {
            fallback.embeddingBackward(dwte, dwpe, dout, tokens, positions);
            return;
        }
        int c = (int) dout.size(1);
        int n = (int) dout.size(0);
        Rows d = Rows.of(dout);
        Rows e = Rows.of(dwte);
        Rows p = dwpe == null ? null : Rows.of(dwpe);
        // rows may repeat a token, so threads split the channels rather than the rows; each adds its columns of
        // the rows in row order
        parallel(c, (scratch, from, to) -> {
            int width = to - from;
            float[] g = scratch.floats(0, width);
            float[] row = scratch.floats(1, width);
            for (int r = 0; r < n; r++) {
                d.get(r, from, g, width);
                e.get(tokens[r], from, row, width);
                for (int i = 0; i < width; i++) {
                    row[i] += g[i];
                }
                e.put(tokens[r], from, row, width);
                if (p != null) {
                    p.get(positions[r], from, row, width);
                    for (int i = 0; i < width; i++) {
                        row[i] += g[i];
                    }
                    p.put(positions[r], from, row, width);
                }
            }
        });
    }

    // ---- layer norm -------------------------------------------------------------------------------------------

    @Override
    public void layerNormForward(INDArray out, INDArray mean, INDArray rstd, INDArray inp, INDArray weight,
                                 INDArray bias, double eps) {
        if (!isFloat(out, mean, rstd, inp, weight, bias)) {
            fallback.layerNormForward(out, mean, rstd, inp, weight, bias, eps);
            return;
        }
        int c = (int) inp.size(1);
        Rows x = Rows.of(inp);
        Rows o = Rows.of(out);
        Rows m = Rows.of(mean);
        Rows r = Rows.of(rstd);
        float[] w = vector(0, weight, c);
        float[] b = vector(1, bias, c);
        parallel((int) inp.size(0), (scratch, from, to) -> {
            float[] row = scratch.floats(0, c);
            float[] centred = scratch.floats(1, c);
            for (int n = from; n < to; n++) {
                x.get(n, row, c);
                // the two sums run in element order, as ND4J's mean does: the forward stays bit-identical to
                // Nd4jKernels' (HfImportTest compares a model exported under one with its import under the other)
                float sum = 0;
                for (int i = 0; i < c; i++) {
                    sum += row[i];
                }
                float mu = sum / c;
                for (int i = 0; i < c; i++) {
                    centred[i] = row[i] - mu;
                }
                float var = 0;
                for (int i = 0; i < c; i++) {
                    var += centred[i] * centred[i];
                }
                float rs = (float) (1.0 / Math.sqrt(var / c + eps));
                for (int i = 0; i < c; i++) {
                    row[i] = centred[i] * rs * w[i] + b[i];
                }
                o.put(n, row, c);
                m.put(n, mu);
                r.put(n, rs);
            }
        });
    }

    @Override
    public void layerNormBackward(INDArray dinp, INDArray dweight, INDArray dbias, INDArray dout, INDArray inp,
                                  INDArray weight, INDArray mean, INDArray rstd) {
        if (!isFloat(dinp, dweight, dbias, dout, inp, weight, mean, rstd)) {
            fallback.layerNormBackward(dinp, dweight, dbias, dout, inp, weight, mean, rstd);
            return;
        }
        int n = (int) inp.size(0);
        int c = (int) inp.size(1);
        Rows dx = Rows.of(dinp);
        Rows dy = Rows.of(dout);
        Rows x = Rows.of(inp);
        Rows m = Rows.of(mean);
        Rows r = Rows.of(rstd);
        float[] w = vector(0, weight, c);
        parallel(n, (scratch, from, to) -> {
            float[] xhat = scratch.floats(0, c);
            float[] dyr = scratch.floats(1, c);
            float[] dxr = scratch.floats(2, c);
            float[] dnorm = scratch.floats(3, c);
            float[] dw = scratch.zeros(4, c);
            float[] db = scratch.zeros(5, c);
            // short loops, so the JIT vectorizes the element-wise ones; the two reductions use four partial sums
            for (int row = from; row < to; row++) {
                x.get(row, xhat, c);
                dy.get(row, dyr, c);
                dx.get(row, dxr, c);
                float mu = m.get(row);
                float rs = r.get(row);
                for (int i = 0; i < c; i++) {
                    xhat[i] = (xhat[i] - mu) * rs;
                }
                for (int i = 0; i < c; i++) {
                    dnorm[i] = dyr[i] * w[i];
                }
                float dnormMean = sum(dnorm, c) / c;
                float dnormXhatMean = dot(dnorm, xhat, c) / c;
                for (int i = 0; i < c; i++) {
                    db[i] += dyr[i];
                }
                for (int i = 0; i < c; i++) {
                    dw[i] += dyr[i] * xhat[i];
                }
                for (int i = 0; i < c; i++) {
                    dxr[i] += rs * (dnorm[i] - dnormMean - xhat[i] * dnormXhatMean);
                }
                dx.put(row, dxr, c);
            }
        });
        addParts(dweight, c, parts(n), 4);
        addParts(dbias, c, parts(n), 5);
    }

    /** target (C) += the sum of the partial sums that parts [0, parts) left in their scratch slot. */
    private void addParts(INDArray target, int c, int parts, int slot) {
        Rows t = Rows.of(target);
        for (int i = 0; i < c; i++) {
            float s = t.get(i);
            for (int p = 0; p < parts; p++) {
                s += partScratch[p].floats(slot, c)[i];
            }
            t.put(i, s);
        }
    }

    // ---- RMS norm -----------------------------------------------------------------------------------------------

    @Override
    public void rmsNormForward(INDArray out, INDArray rstd, INDArray inp, INDArray weight, double eps) {
        if (!isFloat(out, rstd, inp, weight)) {
            fallback.rmsNormForward(out, rstd, inp, weight, eps);
            return;
        }
        int c = (int) inp.size(1);
        Rows x = Rows.ofColumns(inp);
        Rows o = Rows.ofColumns(out);
        Rows r = Rows.of(rstd);
        float[] w = vector(0, weight, c);
        parallel((int) inp.size(0), (scratch, from, to) -> {
            float[] row = scratch.floats(0, c);
            for (int n = from; n < to; n++) {
                x.get(n, row, c);
                // mean of squares in float with four partial sums, the rsqrt in double (HF: fp32 throughout)
                float rs = (float) (1.0 / Math.sqrt(dot(row, row, c) / c + eps));
                for (int i = 0; i < c; i++) {
                    row[i] = row[i] * rs * w[i];
                }
                o.put(n, row, c);
                r.put(n, rs);
            }
        });
    }

    @Override
    public void rmsNormBackward(INDArray dinp, INDArray dweight, INDArray dout, INDArray inp, INDArray weight,
                                INDArray rstd) {
        if (!isFloat(dinp, dweight, dout, inp, weight, rstd)) {
            fallback.rmsNormBackward(dinp, dweight, dout, inp, weight, rstd);
            return;
        }
        int n = (int) inp.size(0);
        int c = (int) inp.size(1);
        Rows dx = Rows.ofColumns(dinp);
        Rows dy = Rows.ofColumns(dout);
        Rows x = Rows.ofColumns(inp);
        Rows r = Rows.of(rstd);
        float[] w = vector(0, weight, c);
        parallel(n, (scratch, from, to) -> {
            float[] xr = scratch.floats(0, c);
            float[] dyr = scratch.floats(1, c);
            float[] dxr = scratch.floats(2, c);
            float[] dyw = scratch.floats(3, c);
            float[] dw = scratch.zeros(4, c);
            for (int row = from; row < to; row++) {
                x.get(row, xr, c);
                dy.get(row, dyr, c);
                dx.get(row, dxr, c);
                float rs = r.get(row);
                for (int i = 0; i < c; i++) {
                    dyw[i] = dyr[i] * w[i];
                }
                // y_i = x_i r w_i with r = (mean(x^2) + eps)^-1/2: dx_i = r dy_i w_i - r^3 x_i sum_j(dy_j w_j x_j) / C
                float k = rs * rs * rs * dot(dyw, xr, c) / c;
                for (int i = 0; i < c; i++) {
                    dxr[i] += rs * dyw[i] - k * xr[i];
                }
                for (int i = 0; i < c; i++) {
                    dw[i] += dyr[i] * xr[i] * rs;
                }
                dx.put(row, dxr, c);
            }
        });
        addParts(dweight, c, parts(n), 4);
    }

    // ---- RoPE ---------------------------------------------------------------------------------------------------

    @Override
    public void ropeForward(INDArray x, int nHeads, int headDim, int[] positions, INDArray cos, INDArray sin) {
        if (!isFloat(x, cos, sin)) {
            fallback.ropeForward(x, nHeads, headDim, positions, cos, sin);
            return;
        }
        rotate(x, nHeads, headDim, positions, cos, sin, 1f);
    }

    @Override
    public void ropeBackward(INDArray dx, int nHeads, int headDim, int[] positions, INDArray cos, INDArray sin) {
        if (!isFloat(dx, cos, sin)) {
            fallback.ropeBackward(dx, nHeads, headDim, positions, cos, sin);
            return;
        }
        // the rotation is orthogonal: the rotation by -angle carries the gradient back
        rotate(dx, nHeads, headDim, positions, cos, sin, -1f);
    }

    /** x (N, nHeads * headDim) rotated in place, a row per pass, by the tables' angles times {@code sign}. */
    private void rotate(INDArray x, int nHeads, int headDim, int[] positions, INDArray cos, INDArray sin,
                        float sign) {
        Heads.checkRope(x, nHeads, headDim, positions, cos, sin);
        int width = nHeads * headDim;
        int half = headDim / 2;
        Rows a = Rows.ofColumns(x);
        Rows co = Rows.ofColumns(cos);
        Rows si = Rows.ofColumns(sin);
        parallel((int) x.size(0), (scratch, from, to) -> {
            float[] row = scratch.floats(0, width);
            float[] c = scratch.floats(1, half);
            float[] s = scratch.floats(2, half);
            for (int n = from; n < to; n++) {
                a.get(n, row, width);
                co.get(positions[n], c, half);
                si.get(positions[n], s, half);
                for (int i = 0; i < half; i++) {
                    s[i] *= sign;
                }
                for (int h = 0; h < width; h += headDim) {
                    for (int i = 0; i < half; i++) {
                        float x1 = row[h + i];
                        float x2 = row[h + half + i];
                        row[h + i] = x1 * c[i] - x2 * s[i];
                        row[h + half + i] = x2 * c[i] + x1 * s[i];
                    }
                }
                a.put(n, row, width);
            }
        });
    }

    // ---- SwiGLU -------------------------------------------------------------------------------------------------

    @Override
    public void swigluForward(INDArray out, INDArray gateUp) {
        if (!isFloat(out, gateUp)) {
            fallback.swigluForward(out, gateUp);
            return;
        }
        int inter = (int) out.size(1);
        Rows gu = Rows.ofColumns(gateUp);
        Rows o = Rows.ofColumns(out);
        parallel((int) out.size(0), (scratch, from, to) -> {
            float[] row = scratch.floats(0, 2 * inter);
            float[] e = scratch.floats(1, inter);
            float[] tmp = scratch.floats(2, inter);
            for (int n = from; n < to; n++) {
                gu.get(n, row, 2 * inter);
                sigmoidDenominators(row, e, tmp, inter);
                // silu(g) u = g u / (1 + e^-g)
                for (int i = 0; i < inter; i++) {
                    e[i] = row[i] * row[inter + i] / e[i];
                }
                o.put(n, e, inter);
            }
        });
    }

    @Override
    public void swigluBackward(INDArray dGateUp, INDArray dout, INDArray gateUp) {
        if (!isFloat(dGateUp, dout, gateUp)) {
            fallback.swigluBackward(dGateUp, dout, gateUp);
            return;
        }
        int inter = (int) dout.size(1);
        Rows gu = Rows.ofColumns(gateUp);
        Rows dy = Rows.ofColumns(dout);
        Rows d = Rows.ofColumns(dGateUp);
        parallel((int) dout.size(0), (scratch, from, to) -> {
            float[] row = scratch.floats(0, 2 * inter);
            float[] e = scratch.floats(1, inter);
            float[] tmp = scratch.floats(2, inter);
            float[] g = scratch.floats(3, inter);
            float[] grad = scratch.floats(4, 2 * inter);
            for (int n = from; n < to; n++) {
                gu.get(n, row, 2 * inter);
                dy.get(n, g, inter);
                sigmoidDenominators(row, e, tmp, inter);
                // with s = sigmoid(gate): d gate = dy u (s + gate s (1 - s)), d up = dy gate s
                for (int i = 0; i < inter; i++) {
                    float s = 1f / e[i];
                    float gate = row[i];
                    grad[i] = g[i] * row[inter + i] * (s + gate * s * (1f - s));
                    grad[inter + i] = g[i] * gate * s;
                }
                d.put(n, grad, 2 * inter);
            }
        });
    }

    /** e[i] = 1 + e^(-x[i]) for i &lt; n, the exponent clamped to [-87, 87] (the sigmoid is 0 or 1 there in float). */
    private static void sigmoidDenominators(float[] x, float[] e, float[] scratch, int n) {
        for (int i = 0; i < n; i++) {
            e[i] = Math.max(-87f, Math.min(87f, -x[i]));
        }
        expInPlace(e, scratch, n);
        for (int i = 0; i < n; i++) {
            e[i] += 1f;
        }
    }

    /**
     * In parallel over (sequence, query head) pairs: the scores of the one query against the cached keys in the
     * window, their softmax and the weighted sum of the cached values, in Java loops (a decode step's attention is
     * a few vector products per head).
     */
    @Override
    public void attentionDecode(INDArray out, INDArray q, INDArray kCache, INDArray vCache, int[] slots, int[] len,
                                int nHead, int nKvHead, int headDim, double scale, int window) {
        Heads.checkDecode(out, q, kCache, vCache, slots, len, nHead, nKvHead, headDim);
        if (!isFloat(out, q, kCache, vCache)) {
            fallback.attentionDecode(out, q, kCache, vCache, slots, len, nHead, nKvHead, headDim, scale, window);
            return;
        }
        int maxLen = (int) kCache.size(1);
        int kvWidth = nKvHead * headDim;
        int group = nHead / nKvHead;
        float fscale = (float) scale;
        Rows x = Rows.ofColumns(q);
        Rows o = Rows.ofColumns(out);
        Rows k = Rows.of(kCache);
        Rows v = Rows.of(vCache);
        parallel(len.length * nHead, (scratch, from, to) -> {
            float[] qr = scratch.floats(0, headDim);
            float[] kr = scratch.floats(1, headDim);
            float[] acc = scratch.floats(2, headDim);
            float[] scores = scratch.floats(3, maxLen);
            float[] exps = scratch.floats(4, maxLen);
            for (int pair = from; pair < to; pair++) {
                int b = pair / nHead;
                int h = pair % nHead;
                int kvAt = (h / group) * headDim;
                int first = window > 0 ? Math.max(0, len[b] - window) : 0;
                int keys = len[b] - first;
                int cache = slots[b] * maxLen + first;
                x.get(b, h * headDim, qr, headDim);
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < keys; j++) {
                    k.get(cache + j, kvAt, kr, headDim);
                    scores[j] = fscale * dot(qr, kr, headDim);
                    max = Math.max(max, scores[j]);
                }
                for (int j = 0; j < keys; j++) {
                    scores[j] = Math.max(scores[j] - max, -87f);
                }
                expInPlace(scores, exps, keys);
                float inv = 1f / sum(scores, keys);
                java.util.Arrays.fill(acc, 0, headDim, 0f);
                for (int j = 0; j < keys; j++) {
                    v.get(cache + j, kvAt, kr, headDim);
                    float p = scores[j] * inv;
                    for (int d = 0; d < headDim; d++) {
                        acc[d] += p * kr[d];
                    }
                }
                o.put(b, h * headDim, acc, headDim);
            }
        });
    }

    @Override
    public void kvCacheWrite(INDArray kCache, INDArray vCache, INDArray qkv, int nHead, int nKvHead, int headDim,
                             int[] slots, int[] positions) {
        Heads.checkCacheWrite(kCache, vCache, qkv, nHead, nKvHead, headDim, slots, positions);
        if (!isFloat(kCache, vCache, qkv)) {
            fallback.kvCacheWrite(kCache, vCache, qkv, nHead, nKvHead, headDim, slots, positions);
            return;
        }
        int maxLen = (int) kCache.size(1);
        int kvWidth = nKvHead * headDim;
        int qWidth = nHead * headDim;
        Rows x = Rows.ofColumns(qkv);
        Rows k = Rows.of(kCache);
        Rows v = Rows.of(vCache);
        float[] row = callerScratch.floats(0, kvWidth);
        for (int n = 0; n < slots.length; n++) {
            int at = slots[n] * maxLen + positions[n];
            x.get(n, qWidth, row, kvWidth);
            k.put(at, row, kvWidth);
            x.get(n, qWidth + kvWidth, row, kvWidth);
            v.put(at, row, kvWidth);
        }
    }

    // ---- GELU -------------------------------------------------------------------------------------------------

    /** Elements per GELU chunk: the chunk and its scratch arrays stay in the L1 cache. */
    private static final int GELU_CHUNK = 1024;

    @Override
    public void geluForward(INDArray out, INDArray inp) {
        if (!isFloat(out, inp)) {
            fallback.geluForward(out, inp);
            return;
        }
        Rows x = Rows.of(inp);
        Rows o = Rows.of(out);
        int len = (int) inp.length();
        parallel((len + GELU_CHUNK - 1) / GELU_CHUNK, (buffers, from, to) -> {
            float[] v = buffers.floats(0, GELU_CHUNK);
            float[] e = buffers.floats(1, GELU_CHUNK);
            float[] scratch = buffers.floats(2, GELU_CHUNK);
            for (int ch = from; ch < to; ch++) {
                int start = ch * GELU_CHUNK;
                int size = Math.min(GELU_CHUNK, len - start);
                x.getFlat(start, v, size);
                geluExp(v, e, scratch, size);
                // 0.5 x (1 + tanh(u)) = x * sigmoid(2u) = x / (1 + e^(-2u))
                for (int i = 0; i < size; i++) {
                    e[i] = v[i] / (1f + e[i]);
                }
                o.putFlat(start, e, size);
            }
        });
    }

    @Override
    public void geluBackward(INDArray dinp, INDArray dout, INDArray inp) {
        if (!isFloat(dinp, dout, inp)) {
            fallback.geluBackward(dinp, dout, inp);
            return;
        }
        Rows x = Rows.of(inp);
        Rows dy = Rows.of(dout);
        Rows dx = Rows.of(dinp);
        int len = (int) inp.length();
        parallel((len + GELU_CHUNK - 1) / GELU_CHUNK, (buffers, from, to) -> {
            float[] v = buffers.floats(0, GELU_CHUNK);
            float[] e = buffers.floats(1, GELU_CHUNK);
            float[] g = buffers.floats(2, GELU_CHUNK);
            float[] scratch = buffers.floats(3, GELU_CHUNK);
            for (int ch = from; ch < to; ch++) {
                int start = ch * GELU_CHUNK;
                int size = Math.min(GELU_CHUNK, len - start);
                x.getFlat(start, v, size);
                dy.getFlat(start, g, size);
                geluExp(v, e, scratch, size);
                // with s = sigmoid(2u) = 1 / (1 + e^(-2u)): d/dx = s + 2 x s (1 - s) k (1 + 3 * 0.044715 x^2)
                for (int i = 0; i < size; i++) {
                    float xi = v[i];
                    float s = 1f / (1f + e[i]);
                    g[i] *= s + 2f * GELU_K * xi * s * (1f - s) * (1f + 3f * GELU_CUBIC * xi * xi);
                }
                dx.putFlat(start, g, size);
            }
        });
    }

    /**
     * e[i] = e^(-2u) with u = k (x + 0.044715 x^3), x = v[i], for i < n; -2u is clamped to [-87, 87], where the
     * sigmoid it feeds is already 0 or 1 in float.
     */
    private static void geluExp(float[] v, float[] e, float[] scratch, int n) {
        for (int i = 0; i < n; i++) {
            float xi = v[i];
            e[i] = Math.max(-87f, Math.min(87f, -2f * GELU_K * (xi + GELU_CUBIC * xi * xi * xi)));
        }
        expInPlace(e, scratch, n);
    }

    // ---- attention ----------------------------------------------------------------------------------------------

    /**
     * OpenBLAS runs a gemm on one thread when m * n * k is at most this (65536 times its default
     * GEMM_MULTITHREAD_THRESHOLD of 4): the attention's blocks stay under it, so the (batch, head) pairs can be
     * spread over the Java threads without OpenBLAS waking its own for each small product.
     */
    private static final long SINGLE_THREAD_GEMM = 262_144;

    /** (B, NH, T, T) scratch of the attention: the probabilities after dropout, the probability gradients. */
    private INDArray attentionDropped;
    private INDArray attentionGrad;

    private static INDArray scratch(INDArray current, long length) {
        if (current != null && current.length() >= length) {
            return current;
        }
        if (current != null) {
            current.close();
        }
        return org.nd4j.linalg.factory.Nd4j.create(DataType.FLOAT, length);
    }

    /**
     * c (rows, cols, leading dimension ldc) = alpha * a @ b + beta * c, with a (rows, inner) or its transpose
     * stored (inner, rows), b likewise (inner, cols) or (cols, inner): OpenBLAS on the arrays' memory, strided
     * rows and all, so the heads are read from and written to their interleaved places in the rows directly.
     */
    private static void gemm(boolean transA, boolean transB, int rows, int cols, int inner, float alpha,
                             FloatPointer a, long aAt, int lda, FloatPointer b, long bAt, int ldb, float beta,
                             FloatPointer c, long cAt, int ldc) {
        if (rows == 0 || cols == 0) {
            return;
        }
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans, rows, cols, inner, alpha,
                a.position(aAt), lda, b.position(bAt), ldb, beta, c.position(cAt), ldc);
    }

    /**
     * Query rows per causal block: block [from, to) needs only keys [0, to) (or from the window's start), so with
     * n blocks the matmuls cost (1 + 2 + ... + n) / n^2 of the full square; small enough that every product
     * stays single-threaded.
     */
    private int blockRows(int t, int hs) {
        return (int) Math.max(1, Math.min(Math.min(t, maxBlockRows), SINGLE_THREAD_GEMM / ((long) t * hs)));
    }

    /** The first key query {@code query} sees: 0, or the start of its sliding window. */
    private static int firstKey(int query, int window) {
        return window > 0 ? Math.max(0, query - window + 1) : 0;
    }

    /**
     * In parallel over (batch, query head) pairs, per block of query rows: scores = scale q k^T by OpenBLAS
     * straight from the qkv rows (the head's key/value head: h / (nHead / nKvHead)) into att, the masked softmax
     * of each row in Java (and its dropped copy when dropout is on), then out = probabilities @ v by OpenBLAS
     * straight into the head's columns of out. With a window, a block's products start at its first query's
     * first key.
     */
    @Override
    public void attentionForward(INDArray out, INDArray att, INDArray qkv, int nHead, int nKvHead, int headDim,
                                 double scale, int window, int[] segmentIds, double dropout, long seed,
                                 long stream) {
        Heads.check(qkv, nHead, nKvHead, headDim);
        if (!isFloat(out, att, qkv)) {
            fallback.attentionForward(out, att, qkv, nHead, nKvHead, headDim, scale, window, segmentIds, dropout,
                    seed, stream);
            return;
        }
        int t = (int) att.size(2);
        int hs = headDim;
        int group = nHead / nKvHead;
        int pairs = (int) att.size(0) * nHead;
        int block = blockRows(t, hs);
        float fscale = (float) scale;
        float keepScale = (float) (1.0 / (1.0 - dropout));
        int w = Rows.ofColumns(qkv).stride();
        int oc = Rows.ofColumns(out).stride();
        Rows a = Rows.of(att);
        if (dropout > 0) {
            attentionDropped = scratch(attentionDropped, (long) pairs * t * t);
        }
        FloatBuffer d = dropout > 0 ? attentionDropped.data().asNioFloat() : null;
        parallel(pairs, (scratch, fromPair, toPair) -> {
            FloatPointer q = Rows.pointer(qkv);
            FloatPointer k = Rows.pointer(qkv);
            FloatPointer v = Rows.pointer(qkv);
            FloatPointer probs = Rows.pointer(att);
            FloatPointer used = Rows.pointer(d == null ? att : attentionDropped);
            FloatPointer o = Rows.pointer(out);
            float[] row = scratch.floats(0, t);
            float[] exps = scratch.floats(1, t);
            for (int pair = fromPair; pair < toPair; pair++) {
                int b = pair / nHead;
                int h = pair % nHead;
                long rows = (long) b * t * w;
                long qAt = rows + (long) h * hs;
                long kAt = rows + (long) (nHead + h / group) * hs;
                long vAt = rows + (long) (nHead + nKvHead + h / group) * hs;
                long oAt = (long) b * t * oc + (long) h * hs;
                long square = (long) pair * t * t;
                for (int from = 0; from < t; from += block) {
                    int to = Math.min(t, from + block);
                    int lo = firstKey(from, window);
                    gemm(false, true, to - from, to - lo, hs, fscale, q, qAt + (long) from * w, w, k,
                            kAt + (long) lo * w, w, 0f, probs, square + (long) from * t + lo, t);
                    for (int query = from; query < to; query++) {
                        int first = firstKey(query, window);
                        int keys = query + 1;
                        long at = square + (long) query * t;
                        a.getFlat((int) (at + first), row, keys - first);
                        maskedSoftmax(row, exps, first, keys, segmentIds, b * t, query);
                        if (first > 0) {
                            System.arraycopy(row, 0, row, first, keys - first);
                            java.util.Arrays.fill(row, 0, first, 0f);
                        }
                        java.util.Arrays.fill(row, keys, t, 0f);
                        a.putFlat((int) at, row, t);
                        if (d != null) {
                            for (int j = first; j < keys; j++) {
                                row[j] = Dropout.keep(seed, stream, at + j, dropout) ? row[j] * keepScale : 0f;
                            }
                            d.put((int) at, row, 0, t);
                        }
                    }
                    gemm(false, false, to - from, hs, to - lo, 1f, used, square + (long) from * t + lo, t, v,
                            vAt + (long) lo * w, w, 0f, o, oAt + (long) from * oc, oc);
                }
            }
        });
    }

    /**
     * In parallel over (batch, key/value head) pairs, so that the query heads sharing a key/value head add their
     * dk and dv in turn: per query head of the group and block of query rows, dP = dout v^T by OpenBLAS into
     * scratch, then row by row through dropout and the softmax into the score gradients dS (in place), and
     * dq = dS k straight into dqkv; then per block of keys, dk += dS^T q and dv += P^T dout over the queries that
     * see them.
     */
    @Override
    public void attentionBackward(INDArray dqkv, INDArray dout, INDArray qkv, INDArray att, int nHead, int nKvHead,
                                  int headDim, double scale, int window, double dropout, long seed, long stream) {
        Heads.check(qkv, nHead, nKvHead, headDim);
        if (!isFloat(dqkv, dout, qkv, att)) {
            fallback.attentionBackward(dqkv, dout, qkv, att, nHead, nKvHead, headDim, scale, window, dropout, seed,
                    stream);
            return;
        }
        int batch = (int) att.size(0);
        int t = (int) att.size(2);
        int hs = headDim;
        int group = nHead / nKvHead;
        int pairs = batch * nHead;
        int block = blockRows(t, hs);
        float fscale = (float) scale;
        float keepScale = (float) (1.0 / (1.0 - dropout));
        int w = Rows.ofColumns(qkv).stride();
        int gw = Rows.ofColumns(dqkv).stride();
        int ys = Rows.ofColumns(dout).stride();
        Rows a = Rows.of(att);
        attentionGrad = scratch(attentionGrad, (long) pairs * t * t);
        FloatBuffer g = attentionGrad.data().asNioFloat();
        if (dropout > 0) {
            attentionDropped = scratch(attentionDropped, (long) pairs * t * t);
        }
        FloatBuffer d = dropout > 0 ? attentionDropped.data().asNioFloat() : null;
        parallel(batch * nKvHead, (scratch, fromPair, toPair) -> {
            FloatPointer x = Rows.pointer(qkv);
            FloatPointer k = Rows.pointer(qkv);
            FloatPointer dy = Rows.pointer(dout);
            FloatPointer ds = Rows.pointer(attentionGrad);
            FloatPointer used = Rows.pointer(d == null ? att : attentionDropped);
            FloatPointer dx = Rows.pointer(dqkv);
            float[] p = scratch.floats(0, t);
            float[] dp = scratch.floats(1, t);
            for (int kvPair = fromPair; kvPair < toPair; kvPair++) {
                int b = kvPair / nKvHead;
                int kv = kvPair % nKvHead;
                long rows = (long) b * t * w;
                long gradRows = (long) b * t * gw;
                long kAt = rows + (long) (nHead + kv) * hs;
                long vAt = rows + (long) (nHead + nKvHead + kv) * hs;
                long dkAt = gradRows + (long) (nHead + kv) * hs;
                long dvAt = gradRows + (long) (nHead + nKvHead + kv) * hs;
                for (int member = 0; member < group; member++) {
                    int h = kv * group + member;
                    int pair = b * nHead + h;
                    long qAt = rows + (long) h * hs;
                    long dqAt = gradRows + (long) h * hs;
                    long dyAt = (long) b * t * ys + (long) h * hs;
                    long square = (long) pair * t * t;
                    for (int from = 0; from < t; from += block) {
                        int to = Math.min(t, from + block);
                        int lo = firstKey(from, window);
                        gemm(false, true, to - from, to - lo, hs, 1f, dy, dyAt + (long) from * ys, ys, x,
                                vAt + (long) lo * w, w, 0f, ds, square + (long) from * t + lo, t);
                        for (int query = from; query < to; query++) {
                            int first = firstKey(query, window);
                            int keys = query + 1;
                            int n = keys - first;
                            long at = square + (long) query * t;
                            a.getFlat((int) (at + first), p, n);
                            g.get((int) (at + first), dp, 0, n);
                            if (d != null) {
                                for (int j = 0; j < n; j++) {
                                    float m = Dropout.keep(seed, stream, at + first + j, dropout) ? keepScale : 0f;
                                    dp[j] *= m;
                                    p[j] *= m;
                                }
                                putRow(d, (int) at, p, first, keys, t);
                                a.getFlat((int) (at + first), p, n);
                            }
                            float dot = dot(p, dp, n);
                            for (int j = 0; j < n; j++) {
                                dp[j] = fscale * p[j] * (dp[j] - dot);
                            }
                            putRow(g, (int) at, dp, first, keys, t);
                        }
                        // dq of queries [from, to) = dS[from, to)[:, lo..to) @ k[lo..to)
                        gemm(false, false, to - from, hs, to - lo, 1f, ds, square + (long) from * t + lo, t, k,
                                kAt + (long) lo * w, w, 0f, dx, dqAt + (long) from * gw, gw);
                    }
                    float beta = member == 0 ? 0f : 1f;
                    for (int from = 0; from < t; from += block) {
                        int to = Math.min(t, from + block);
                        // dk and dv of keys [from, to): sums over the queries [from, hi) that see them
                        int hi = window > 0 ? Math.min(t, to - 1 + window) : t;
                        gemm(true, false, to - from, hs, hi - from, 1f, ds, square + (long) from * t + from, t, x,
                                qAt + (long) from * w, w, beta, dx, dkAt + (long) from * gw, gw);
                        gemm(true, false, to - from, hs, hi - from, 1f, used, square + (long) from * t + from, t,
                                dy, dyAt + (long) from * ys, ys, beta, dx, dvAt + (long) from * gw, gw);
                    }
                }
            }
        });
    }

    /**
     * Writes a (T)-wide row at {@code at}: values[0, keys - first) at columns [first, keys), 0 elsewhere.
     * {@code values} is overwritten (it is the row's scratch).
     */
    private static void putRow(FloatBuffer target, int at, float[] values, int first, int keys, int t) {
        if (first > 0) {
            System.arraycopy(values, 0, values, first, keys - first);
            java.util.Arrays.fill(values, 0, first, 0f);
        }
        java.util.Arrays.fill(values, keys, t, 0f);
        target.put(at, values, 0, t);
    }

    /**
     * row[0, keys - first) = softmax of the scaled scores in it, the scores of keys [first, keys) of query
     * {@code query} of the sequence whose segment ids start at segmentIds[segBase] (null: one segment); keys of
     * other segments get probability 0.
     */
    private static void maskedSoftmax(float[] row, float[] exps, int first, int keys, int[] segmentIds, int segBase,
                                      int query) {
        int n = keys - first;
        if (segmentIds != null) {
            int own = segmentIds[segBase + query];
            for (int j = 0; j < n; j++) {
                if (segmentIds[segBase + first + j] != own) {
                    row[j] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        // the query's own key is always allowed, so max is finite
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, row[j]);
        }
        for (int j = 0; j < n; j++) {
            row[j] = Math.max(row[j] - max, -87f);
        }
        expInPlace(row, exps, n);
        if (segmentIds != null) {
            int own = segmentIds[segBase + query];
            for (int j = 0; j < n; j++) {
                if (segmentIds[segBase + first + j] != own) {
                    row[j] = 0f;
                }
            }
        }
        float inv = 1f / sum(row, n);
        for (int j = 0; j < n; j++) {
            row[j] *= inv;
        }
    }

    /** The dot product of x[0, n) and y[0, n) with four interleaved partial sums, so the adds overlap. */
    private static float dot(float[] x, float[] y, int n) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            s0 += x[i] * y[i];
            s1 += x[i + 1] * y[i + 1];
            s2 += x[i + 2] * y[i + 2];
            s3 += x[i + 3] * y[i + 3];
        }
        for (; i < n; i++) {
            s0 += x[i] * y[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** The sum of x[0, n) with four interleaved partial sums, so the adds overlap. */
    private static float sum(float[] x, int n) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            s0 += x[i];
            s1 += x[i + 1];
            s2 += x[i + 2];
            s3 += x[i + 3];
        }
        for (; i < n; i++) {
            s0 += x[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    // ---- linear layers ----------------------------------------------------------------------------------------

    @Override
    public void biasGradient(INDArray dbias, INDArray dout) {
        if (!isFloat(dbias, dout)) {
            fallback.biasGradient(dbias, dout);
            return;
        }
        int n = (int) dout.size(0);
        int c = (int) dout.size(1);
        Rows d = Rows.of(dout);
        parallel(n, (scratch, from, to) -> {
            float[] row = scratch.floats(0, c);
            float[] sum = scratch.zeros(4, c);
            for (int r = from; r < to; r++) {
                d.get(r, row, c);
                for (int i = 0; i < c; i++) {
                    sum[i] += row[i];
                }
            }
        });
        addParts(dbias, c, parts(n), 4);
    }

    // ---- cross-entropy ----------------------------------------------------------------------------------------

    @Override
    public double crossEntropy(INDArray dlogits, INDArray logits, int[] targets) {
        if (!isFloat(dlogits, logits)) {
            return fallback.crossEntropy(dlogits, logits, targets);
        }
        int v = (int) logits.size(1);
        int n = (int) logits.size(0);
        Rows z = Rows.of(logits);
        Rows d = Rows.of(dlogits);
        double[] rowLoss = callerScratch.doubles(n);
        java.util.Arrays.fill(rowLoss, 0, n, 0.0);
        parallel(n, (buffers, from, to) -> {
            float[] row = buffers.floats(0, v);
            float[] scratch = buffers.floats(1, v);
            for (int r = from; r < to; r++) {
                int target = targets[r];
                if (target < 0) {
                    java.util.Arrays.fill(row, 0, v, 0f);
                    d.put(r, row, v);
                    continue;
                }
                z.get(r, row, v);
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < v; i++) {
                    max = Math.max(max, row[i]);
                }
                float targetLogit = row[target];
                for (int i = 0; i < v; i++) {
                    row[i] = Math.max(row[i] - max, -87f);
                }
                expInPlace(row, scratch, v);
                float total = sum(row, v);
                float inv = 1f / total;
                for (int i = 0; i < v; i++) {
                    row[i] *= inv;
                }
                row[target] -= 1f;
                d.put(r, row, v);
                // -log p[target] = log(sum e^(z - max)) - (z[target] - max): no underflow for unlikely targets
                rowLoss[r] = Math.log(total) - ((double) targetLogit - max);
            }
        });
        double loss = 0;
        for (int r = 0; r < n; r++) {
            loss += rowLoss[r];
        }
        return loss;
    }

    // ---- dropout ----------------------------------------------------------------------------------------------

    @Override
    public void dropout(INDArray x, double p, long seed, long stream) {
        if (!isFloat(x)) {
            fallback.dropout(x, p, seed, stream);
            return;
        }
        Rows a = Rows.of(x);
        float scale = (float) (1.0 / (1.0 - p));
        parallel((int) x.length(), (scratch, from, to) -> {
            for (int i = from; i < to; i++) {
                a.put(i, Dropout.keep(seed, stream, i, p) ? a.get(i) * scale : 0f);
            }
        });
    }

    // ---- optimizer --------------------------------------------------------------------------------------------

    /** Elements per chunk of the optimizer's loops; chunks are processed in blocks of {@link #BLOCK} in L1. */
    private static final int CHUNK = 1 << 15;
    private static final int BLOCK = 1024;

    /** Piece [from, from + length) of tensor {@code tensor}: the unit of work and of partial sums. */
    private record Chunk(int tensor, int from, int length) {
    }

    private static Chunk[] chunks(INDArray[] xs) {
        java.util.List<Chunk> out = new java.util.ArrayList<>();
        for (int t = 0; t < xs.length; t++) {
            int n = Math.toIntExact(xs[t].length());
            for (int at = 0; at < n; at += CHUNK) {
                out.add(new Chunk(t, at, Math.min(CHUNK, n - at)));
            }
        }
        return out.toArray(new Chunk[0]);
    }

    /** Whether the optimizer's fused loops take these arrays: float, 1-D and contiguous. */
    private static boolean flatFloats(INDArray[]... groups) {
        for (INDArray[] xs : groups) {
            for (INDArray x : xs) {
                if (x.dataType() != DataType.FLOAT || x.rank() != 1 || (x.length() > 1 && x.stride(0) != 1)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The buffers of 1-D arrays, looked up once per call. */
    private static Rows[] flat(INDArray[] xs) {
        Rows[] rows = new Rows[xs.length];
        for (int i = 0; i < xs.length; i++) {
            rows[i] = Rows.of(xs[i]);
        }
        return rows;
    }

    @FunctionalInterface
    private interface ChunkBody {
        void run(Chunk chunk, int index, Scratch scratch);
    }

    /** Runs {@code body} on every chunk, the chunks split into one contiguous range per thread. */
    private void forEachChunk(Chunk[] chunks, ChunkBody body) {
        parallel(chunks.length, (scratch, from, to) -> {
            for (int c = from; c < to; c++) {
                body.run(chunks[c], c, scratch);
            }
        });
    }

    /**
     * The sum of squares per chunk (four interleaved double sums, so the adds overlap), added in chunk order:
     * the same result whatever the thread count.
     */
    @Override
    public double sumOfSquares(INDArray[] xs) {
        if (!flatFloats(xs)) {
            return fallback.sumOfSquares(xs);
        }
        Chunk[] chunks = chunks(xs);
        Rows[] flat = flat(xs);
        double[] partial = new double[chunks.length];
        forEachChunk(chunks, (chunk, index, scratch) -> {
            float[] x = scratch.floats(0, BLOCK);
            Rows b = flat[chunk.tensor()];
            int end = chunk.from() + chunk.length();
            double s0 = 0;
            double s1 = 0;
            double s2 = 0;
            double s3 = 0;
            for (int at = chunk.from(); at < end; at += BLOCK) {
                int n = Math.min(BLOCK, end - at);
                b.getFlat(at, x, n);
                int i = 0;
                for (; i + 4 <= n; i += 4) {
                    s0 += (double) x[i] * x[i];
                    s1 += (double) x[i + 1] * x[i + 1];
                    s2 += (double) x[i + 2] * x[i + 2];
                    s3 += (double) x[i + 3] * x[i + 3];
                }
                for (; i < n; i++) {
                    s0 += (double) x[i] * x[i];
                }
            }
            partial[index] = (s0 + s1) + (s2 + s3);
        });
        double sum = 0;
        for (double p : partial) {
            sum += p;
        }
        return sum;
    }

    @Override
    public void scale(INDArray[] xs, double s) {
        if (!flatFloats(xs)) {
            fallback.scale(xs, s);
            return;
        }
        float f = (float) s;
        Rows[] flat = flat(xs);
        forEachChunk(chunks(xs), (chunk, index, scratch) -> {
            float[] x = scratch.floats(0, BLOCK);
            Rows b = flat[chunk.tensor()];
            int end = chunk.from() + chunk.length();
            for (int at = chunk.from(); at < end; at += BLOCK) {
                int n = Math.min(BLOCK, end - at);
                b.getFlat(at, x, n);
                for (int i = 0; i < n; i++) {
                    x[i] *= f;
                }
                b.putFlat(at, x, n);
            }
        });
    }

    /**
     * The update in float, operation for operation as {@link Nd4jKernels#adamw}, in one parallel pass over the
     * chunks of all tensors; short loops per block so the JIT vectorizes each.
     */
    @Override
    public void adamw(INDArray[] params, INDArray[] grads, INDArray[] m, INDArray[] v, boolean[] decays,
                      double decay, double stepSize, double beta1, double beta2, double biasCorrection2, double eps) {
        if (!flatFloats(params, grads, m, v)) {
            fallback.adamw(params, grads, m, v, decays, decay, stepSize, beta1, beta2, biasCorrection2, eps);
            return;
        }
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float oneMinusB1 = (float) (1 - beta1);
        float oneMinusB2 = (float) (1 - beta2);
        float fdecay = (float) decay;
        float bc2 = (float) biasCorrection2;
        float feps = (float) eps;
        float step = (float) stepSize;
        Rows[] pf = flat(params);
        Rows[] gf = flat(grads);
        Rows[] mf = flat(m);
        Rows[] vf = flat(v);
        forEachChunk(chunks(params), (chunk, index, scratch) -> {
            int t = chunk.tensor();
            float[] pr = scratch.floats(0, BLOCK);
            float[] gr = scratch.floats(1, BLOCK);
            float[] mr = scratch.floats(2, BLOCK);
            float[] vr = scratch.floats(3, BLOCK);
            float[] d = scratch.floats(4, BLOCK);
            Rows p = pf[t];
            Rows g = gf[t];
            Rows mb = mf[t];
            Rows vb = vf[t];
            int end = chunk.from() + chunk.length();
            boolean decaysHere = decays[t] && fdecay != 1f;
            for (int at = chunk.from(); at < end; at += BLOCK) {
                int n = Math.min(BLOCK, end - at);
                p.getFlat(at, pr, n);
                g.getFlat(at, gr, n);
                mb.getFlat(at, mr, n);
                vb.getFlat(at, vr, n);
                for (int i = 0; i < n; i++) {
                    mr[i] = mr[i] * b1 + gr[i] * oneMinusB1;
                }
                for (int i = 0; i < n; i++) {
                    vr[i] = vr[i] * b2 + gr[i] * gr[i] * oneMinusB2;
                }
                for (int i = 0; i < n; i++) {
                    d[i] = (float) Math.sqrt(vr[i] / bc2) + feps;
                }
                if (decaysHere) {
                    for (int i = 0; i < n; i++) {
                        pr[i] *= fdecay;
                    }
                }
                for (int i = 0; i < n; i++) {
                    pr[i] -= mr[i] / d[i] * step;
                }
                p.putFlat(at, pr, n);
                mb.putFlat(at, mr, n);
                vb.putFlat(at, vr, n);
            }
        });
    }

    // ---- exp ----------------------------------------------------------------------------------------------------

    private static final float LOG2E = 1.44269504f;
    // ln 2 split so that k * LN2_HI is exact for |k| < 2^11 (Cody and Waite's range reduction)
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.428606765330187e-06f;

    /** Adding then subtracting 1.5 * 2^23 rounds a float of magnitude below 2^22 to the nearest integer. */
    private static final float ROUND_MAGIC = 12582912f;

    /**
     * x[i] = e^x[i] for i < n and x[i] in [-87, 88] (callers clamp): 2^k * e^f with k = round(x log2 e) and
     * |f| <= ln2 / 2, e^f by its Taylor polynomial of degree 7 (truncation below 1e-8). Written as short
     * branch-free loops over arrays, which the JIT vectorizes (one long loop body with Math.round and range
     * branches is not); {@code scratch} holds the rounded exponents.
     */
    static void expInPlace(float[] x, float[] scratch, int n) {
        for (int i = 0; i < n; i++) {
            float y = x[i] * LOG2E + ROUND_MAGIC;
            float k = y - ROUND_MAGIC;
            scratch[i] = y;
            x[i] = x[i] - k * LN2_HI - k * LN2_LO;
        }
        for (int i = 0; i < n; i++) {
            float f = x[i];
            x[i] = 1f + f * (1f + f * (0.5f + f * (1f / 6 + f * (1f / 24 + f * (1f / 120 + f * (1f / 720
                    + f * (1f / 5040)))))));
        }
        // the low bits of y's representation are k + 2^22; shifted into the exponent field the 2^22 falls off
        for (int i = 0; i < n; i++) {
            x[i] *= Float.intBitsToFloat((Float.floatToRawIntBits(scratch[i]) + 127) << 23);
        }
    }
}
