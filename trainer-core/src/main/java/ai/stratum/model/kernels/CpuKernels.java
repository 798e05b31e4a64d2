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
 * their (B, T, NH, hs) layout, and only the causal blocks are computed. The attention keeps scratch arrays
 * between calls, so an instance serves one model at a time (as a model itself is not thread-safe).
 */
public final class CpuKernels implements Kernels {

    private static final float GELU_K = (float) Math.sqrt(2.0 / Math.PI);
    private static final float GELU_CUBIC = 0.044715f;

    private final Kernels fallback = new Nd4jKernels();
    private final int threads;
    /** Part p of a parallel run takes its row buffers from partScratch[p] only. */
    private final Scratch[] partScratch;
    /** The calling thread's own arrays: weights copied out of their buffers, per-call results. */
    private final Scratch callerScratch = new Scratch();

    public CpuKernels() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** @param threads how many ranges of rows are computed in parallel */
    public CpuKernels(int threads) {
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

    /** Runs {@code body} over [0, n) split into one contiguous range per thread, each with its own scratch. */
    private void parallel(int n, RowRange body) {
        int parts = Math.min(threads, n);
        if (parts <= 1) {
            body.run(partScratch[0], 0, n);
            return;
        }
        IntStream.range(0, parts).parallel().forEach(p -> body.run(partScratch[p], (int) ((long) n * p / parts),
                (int) ((long) n * (p + 1) / parts)));
    }

    private static boolean isFloat(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a.dataType() != DataType.FLOAT) {
                return false;
            }
        }
        return true;
    }

    /** The direct buffer behind {@code a}; element i of {@code a} is at {@code base(a) + i}. */
    private static FloatBuffer buf(INDArray a) {
        long expected = 1;
        for (int d = a.rank() - 1; d >= 0; d--) {
            if (a.size(d) > 1 && a.stride(d) != expected) {
                throw new IllegalArgumentException("array: CpuKernels needs row-major contiguous arrays, got shape "
                        + java.util.Arrays.toString(a.shape()) + " strides " + java.util.Arrays.toString(a.stride()));
            }
            expected *= a.size(d);
        }
        return a.data().asNioFloat();
    }

    private static int base(INDArray a) {
        return Math.toIntExact(a.offset());
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
                (float) alpha, pointer(a).position(base(a)), (int) a.size(1), pointer(b).position(base(b)),
                (int) b.size(1), (float) beta, pointer(c).position(base(c)), n);
    }

    // ---- bias and residual ------------------------------------------------------------------------------------

    @Override
    public void addBias(INDArray out, INDArray bias) {
        if (!isFloat(out, bias)) {
            fallback.addBias(out, bias);
            return;
        }
        int c = (int) out.size(1);
        FloatBuffer o = buf(out);
        int ob = base(out);
        float[] b = callerScratch.floats(0, c);
        buf(bias).get(base(bias), b, 0, c);
        parallel((int) out.size(0), (scratch, from, to) -> {
            float[] row = scratch.floats(0, c);
            for (int r = from; r < to; r++) {
                o.get(ob + r * c, row, 0, c);
                for (int i = 0; i < c; i++) {
                    row[i] += b[i];
                }
                o.put(ob + r * c, row, 0, c);
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
        FloatBuffer o = buf(out);
        FloatBuffer x = buf(a);
        FloatBuffer y = buf(b);
        int ob = base(out);
        int xb = base(a);
        int yb = base(b);
        parallel((int) out.size(0), (scratch, from, to) -> {
            float[] row = scratch.floats(0, c);
            float[] other = scratch.floats(1, c);
            for (int r = from; r < to; r++) {
                x.get(xb + r * c, row, 0, c);
                y.get(yb + r * c, other, 0, c);
                for (int i = 0; i < c; i++) {
                    row[i] += other[i];
                }
                o.put(ob + r * c, row, 0, c);
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
        FloatBuffer o = buf(out);
        FloatBuffer e = buf(wte);
        FloatBuffer p = buf(wpe);
        int ob = base(out);
        int eb = base(wte);
        int pb = base(wpe);
        parallel((int) out.size(0), (scratch, from, to) -> {
            float[] row = scratch.floats(0, c);
            float[] pos = scratch.floats(1, c);
            for (int n = from; n < to; n++) {
                e.get(eb + tokens[n] * c, row, 0, c);
                p.get(pb + positions[n] * c, pos, 0, c);
                for (int i = 0; i < c; i++) {
                    row[i] += pos[i];
                }
                o.put(ob + n * c, row, 0, c);
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
        FloatBuffer d = buf(dout);
        FloatBuffer e = buf(dwte);
        FloatBuffer p = buf(dwpe);
        int db = base(dout);
        int eb = base(dwte);
        int pb = base(dwpe);
        // rows may repeat a token, so threads split the channels rather than the rows
        parallel(c, (scratch, from, to) -> {
            for (int r = 0; r < n; r++) {
                int src = db + r * c;
                int te = eb + tokens[r] * c;
                int tp = pb + positions[r] * c;
                for (int i = from; i < to; i++) {
                    float g = d.get(src + i);
                    e.put(te + i, e.get(te + i) + g);
                    p.put(tp + i, p.get(tp + i) + g);
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
        FloatBuffer x = buf(inp);
        FloatBuffer o = buf(out);
        FloatBuffer m = buf(mean);
        FloatBuffer r = buf(rstd);
        int xb = base(inp);
        int ob = base(out);
        int mb = base(mean);
        int rb = base(rstd);
        float[] w = callerScratch.floats(0, c);
        float[] b = callerScratch.floats(1, c);
        buf(weight).get(base(weight), w, 0, c);
        buf(bias).get(base(bias), b, 0, c);
        parallel((int) inp.size(0), (scratch, from, to) -> {
            float[] row = scratch.floats(0, c);
            float[] centred = scratch.floats(1, c);
            for (int n = from; n < to; n++) {
                x.get(xb + n * c, row, 0, c);
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
                o.put(ob + n * c, row, 0, c);
                m.put(mb + n, mu);
                r.put(rb + n, rs);
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
        FloatBuffer dx = buf(dinp);
        FloatBuffer dy = buf(dout);
        FloatBuffer x = buf(inp);
        FloatBuffer m = buf(mean);
        FloatBuffer r = buf(rstd);
        int dxb = base(dinp);
        int dyb = base(dout);
        int xb = base(inp);
        int mb = base(mean);
        int rb = base(rstd);
        float[] w = callerScratch.floats(0, c);
        buf(weight).get(base(weight), w, 0, c);
        int parts = Math.max(1, Math.min(threads, n));
        IntStream.range(0, parts).parallel().forEach(part -> {
            int from = (int) ((long) n * part / parts);
            int to = (int) ((long) n * (part + 1) / parts);
            Scratch scratch = partScratch[part];
            float[] xhat = scratch.floats(0, c);
            float[] dyr = scratch.floats(1, c);
            float[] dxr = scratch.floats(2, c);
            float[] dnorm = scratch.floats(3, c);
            float[] dw = scratch.zeros(4, c);
            float[] db = scratch.zeros(5, c);
            // short loops, so the JIT vectorizes the element-wise ones; the two reductions use four partial sums
            for (int row = from; row < to; row++) {
                x.get(xb + row * c, xhat, 0, c);
                dy.get(dyb + row * c, dyr, 0, c);
                dx.get(dxb + row * c, dxr, 0, c);
                float mu = m.get(mb + row);
                float rs = r.get(rb + row);
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
                dx.put(dxb + row * c, dxr, 0, c);
            }
        });
        addParts(dweight, c, parts, 4);
        addParts(dbias, c, parts, 5);
    }

    /** target (C) += the sum of the partial sums that parts [0, parts) left in their scratch slot. */
    private void addParts(INDArray target, int c, int parts, int slot) {
        FloatBuffer t = buf(target);
        int tb = base(target);
        for (int i = 0; i < c; i++) {
            float s = t.get(tb + i);
            for (int p = 0; p < parts; p++) {
                s += partScratch[p].floats(slot, c)[i];
            }
            t.put(tb + i, s);
        }
    }

    @Override
    public void rmsNormForward(INDArray out, INDArray rstd, INDArray inp, INDArray weight, double eps) {
        fallback.rmsNormForward(out, rstd, inp, weight, eps);
    }

    @Override
    public void rmsNormBackward(INDArray dinp, INDArray dweight, INDArray dout, INDArray inp, INDArray weight,
                                INDArray rstd) {
        fallback.rmsNormBackward(dinp, dweight, dout, inp, weight, rstd);
    }

    @Override
    public void ropeForward(INDArray x, int nHeads, int headDim, int[] positions, INDArray cos, INDArray sin) {
        fallback.ropeForward(x, nHeads, headDim, positions, cos, sin);
    }

    @Override
    public void ropeBackward(INDArray dx, int nHeads, int headDim, int[] positions, INDArray cos, INDArray sin) {
        fallback.ropeBackward(dx, nHeads, headDim, positions, cos, sin);
    }

    @Override
    public void swigluForward(INDArray out, INDArray gateUp) {
        fallback.swigluForward(out, gateUp);
    }

    @Override
    public void swigluBackward(INDArray dGateUp, INDArray dout, INDArray gateUp) {
        fallback.swigluBackward(dGateUp, dout, gateUp);
    }

    @Override
    public void attentionDecode(INDArray out, INDArray q, INDArray kCache, INDArray vCache, int[] len, int nHead,
                                int nKvHead, int headDim, double scale, int window) {
        fallback.attentionDecode(out, q, kCache, vCache, len, nHead, nKvHead, headDim, scale, window);
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
        FloatBuffer x = buf(inp);
        FloatBuffer o = buf(out);
        int xb = base(inp);
        int ob = base(out);
        int len = (int) inp.length();
        parallel((len + GELU_CHUNK - 1) / GELU_CHUNK, (buffers, from, to) -> {
            float[] v = buffers.floats(0, GELU_CHUNK);
            float[] e = buffers.floats(1, GELU_CHUNK);
            float[] scratch = buffers.floats(2, GELU_CHUNK);
            for (int ch = from; ch < to; ch++) {
                int start = ch * GELU_CHUNK;
                int size = Math.min(GELU_CHUNK, len - start);
                x.get(xb + start, v, 0, size);
                geluExp(v, e, scratch, size);
                // 0.5 x (1 + tanh(u)) = x * sigmoid(2u) = x / (1 + e^(-2u))
                for (int i = 0; i < size; i++) {
                    e[i] = v[i] / (1f + e[i]);
                }
                o.put(ob + start, e, 0, size);
            }
        });
    }

    @Override
    public void geluBackward(INDArray dinp, INDArray dout, INDArray inp) {
        if (!isFloat(dinp, dout, inp)) {
            fallback.geluBackward(dinp, dout, inp);
            return;
        }
        FloatBuffer x = buf(inp);
        FloatBuffer dy = buf(dout);
        FloatBuffer dx = buf(dinp);
        int xb = base(inp);
        int dyb = base(dout);
        int dxb = base(dinp);
        int len = (int) inp.length();
        parallel((len + GELU_CHUNK - 1) / GELU_CHUNK, (buffers, from, to) -> {
            float[] v = buffers.floats(0, GELU_CHUNK);
            float[] e = buffers.floats(1, GELU_CHUNK);
            float[] g = buffers.floats(2, GELU_CHUNK);
            float[] scratch = buffers.floats(3, GELU_CHUNK);
            for (int ch = from; ch < to; ch++) {
                int start = ch * GELU_CHUNK;
                int size = Math.min(GELU_CHUNK, len - start);
                x.get(xb + start, v, 0, size);
                dy.get(dyb + start, g, 0, size);
                geluExp(v, e, scratch, size);
                // with s = sigmoid(2u) = 1 / (1 + e^(-2u)): d/dx = s + 2 x s (1 - s) k (1 + 3 * 0.044715 x^2)
                for (int i = 0; i < size; i++) {
                    float xi = v[i];
                    float s = 1f / (1f + e[i]);
                    g[i] *= s + 2f * GELU_K * xi * s * (1f - s) * (1f + 3f * GELU_CUBIC * xi * xi);
                }
                dx.put(dxb + start, g, 0, size);
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
     * A pointer to element 0 of {@link #buf}{@code (a)}; add {@code base(a)} for the array's first element. (From a
     * duplicate at position 0: JavaCPP misplaces the address of a buffer whose position is not 0, and a view's
     * buffer starts at its offset.)
     */
    private static FloatPointer pointer(INDArray a) {
        FloatBuffer b = buf(a).duplicate();
        b.position(0);
        return new FloatPointer(b);
    }

    /**
     * c (rows, cols, leading dimension ldc) = alpha * a @ b, with a (rows, inner) or its transpose stored
     * (inner, rows), b likewise (inner, cols) or (cols, inner): OpenBLAS on the arrays' memory, strided rows
     * and all, so the heads are read from and written to their interleaved (B, T, NH, hs) places directly.
     */
    private static void gemm(boolean transA, boolean transB, int rows, int cols, int inner, float alpha,
                             FloatPointer a, long aAt, int lda, FloatPointer b, long bAt, int ldb,
                             FloatPointer c, long cAt, int ldc) {
        if (rows == 0 || cols == 0) {
            return;
        }
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans, rows, cols, inner, alpha, a.position(aAt), lda,
                b.position(bAt), ldb, 0f, c.position(cAt), ldc);
    }

    /**
     * Query rows per causal block: block [from, to) needs only keys [0, to), so with n blocks the matmuls cost
     * (1 + 2 + ... + n) / n^2 of the full square; small enough that every product stays single-threaded.
     */
    private static int blockRows(int t, int hs) {
        return (int) Math.max(1, Math.min(t, SINGLE_THREAD_GEMM / ((long) t * hs)));
    }

    /**
     * In parallel over (batch, head) pairs, per block of query rows: scores = q k^T / sqrt(hs) by OpenBLAS straight
     * from the qkv rows into att, the masked softmax of each row in Java (and its dropped copy when dropout is on),
     * then out = probabilities @ v by OpenBLAS straight into the heads' columns of out.
     */
    @Override
    public void attentionForward(INDArray out, INDArray att, INDArray qkv, int nHead, int nKvHead, int headDim,
                                 double scale, int window, int[] segmentIds, double dropout, long seed,
                                 long stream) {
        Heads.check(qkv, nHead, nKvHead, headDim);
        if (!isFloat(out, att, qkv) || nKvHead != nHead || window > 0) {
            fallback.attentionForward(out, att, qkv, nHead, nKvHead, headDim, scale, window, segmentIds, dropout,
                    seed, stream);
            return;
        }
        int nh = nHead;
        int t = (int) att.size(2);
        int hs = headDim;
        int c = nh * hs;
        int pairs = (int) att.size(0) * nh;
        int block = blockRows(t, hs);
        float fscale = (float) scale;
        float keepScale = (float) (1.0 / (1.0 - dropout));
        long xb = base(qkv);
        long ab = base(att);
        long ob = base(out);
        FloatBuffer a = buf(att);
        if (dropout > 0) {
            attentionDropped = scratch(attentionDropped, (long) pairs * t * t);
        }
        FloatBuffer d = dropout > 0 ? attentionDropped.data().asNioFloat() : null;
        parallel(pairs, (scratch, fromPair, toPair) -> {
            FloatPointer q = pointer(qkv);
            FloatPointer k = pointer(qkv);
            FloatPointer v = pointer(qkv);
            FloatPointer probs = pointer(att);
            FloatPointer used = d == null ? pointer(att) : pointer(attentionDropped);
            long usedBase = d == null ? ab : 0;
            FloatPointer o = pointer(out);
            float[] row = scratch.floats(0, t);
            float[] exps = scratch.floats(1, t);
            for (int pair = fromPair; pair < toPair; pair++) {
                int b = pair / nh;
                long head = xb + (long) b * t * 3 * c + (long) (pair % nh) * hs;
                long square = (long) pair * t * t;
                for (int from = 0; from < t; from += block) {
                    int to = Math.min(t, from + block);
                    gemm(false, true, to - from, to, hs, fscale, q, head + (long) from * 3 * c, 3 * c, k, head + c,
                            3 * c, probs, ab + square + (long) from * t, t);
                    for (int query = from; query < to; query++) {
                        int keys = query + 1;
                        long at = square + (long) query * t;
                        a.get((int) (ab + at), row, 0, keys);
                        maskedSoftmax(row, exps, keys, segmentIds, b * t, query);
                        java.util.Arrays.fill(row, keys, t, 0f);
                        a.put((int) (ab + at), row, 0, t);
                        if (d != null) {
                            for (int j = 0; j < keys; j++) {
                                row[j] = Dropout.keep(seed, stream, at + j, dropout) ? row[j] * keepScale : 0f;
                            }
                            d.put((int) at, row, 0, t);
                        }
                    }
                    gemm(false, false, to - from, hs, to, 1f, used, usedBase + square + (long) from * t, t, v,
                            head + 2L * c, 3 * c, o, ob + ((long) b * t + from) * c + (long) (pair % nh) * hs, c);
                }
            }
        });
    }

    /**
     * In parallel over (batch, head) pairs: per block of query rows, dP = dout v^T by OpenBLAS into scratch, then
     * row by row through dropout and the softmax into the score gradients dS (in place), and dq = dS k straight
     * into dqkv; then per block of keys, dk = dS^T q and dv = P^T dout over the queries that see them.
     */
    @Override
    public void attentionBackward(INDArray dqkv, INDArray dout, INDArray qkv, INDArray att, int nHead, int nKvHead,
                                  int headDim, double scale, int window, double dropout, long seed, long stream) {
        Heads.check(qkv, nHead, nKvHead, headDim);
        if (!isFloat(dqkv, dout, qkv, att) || nKvHead != nHead || window > 0) {
            fallback.attentionBackward(dqkv, dout, qkv, att, nHead, nKvHead, headDim, scale, window, dropout, seed,
                    stream);
            return;
        }
        int nh = nHead;
        int t = (int) att.size(2);
        int hs = headDim;
        int c = nh * hs;
        int pairs = (int) att.size(0) * nh;
        int block = blockRows(t, hs);
        float fscale = (float) scale;
        float keepScale = (float) (1.0 / (1.0 - dropout));
        long xb = base(qkv);
        long ab = base(att);
        long yb = base(dout);
        long gb = base(dqkv);
        FloatBuffer a = buf(att);
        attentionGrad = scratch(attentionGrad, (long) pairs * t * t);
        FloatBuffer g = attentionGrad.data().asNioFloat();
        if (dropout > 0) {
            attentionDropped = scratch(attentionDropped, (long) pairs * t * t);
        }
        FloatBuffer d = dropout > 0 ? attentionDropped.data().asNioFloat() : null;
        parallel(pairs, (scratch, fromPair, toPair) -> {
            FloatPointer x = pointer(qkv);
            FloatPointer k = pointer(qkv);
            FloatPointer dy = pointer(dout);
            FloatPointer ds = pointer(attentionGrad);
            FloatPointer used = d == null ? pointer(att) : pointer(attentionDropped);
            long usedBase = d == null ? ab : 0;
            FloatPointer dx = pointer(dqkv);
            float[] p = scratch.floats(0, t);
            float[] dp = scratch.floats(1, t);
            for (int pair = fromPair; pair < toPair; pair++) {
                long head = xb + (long) (pair / nh) * t * 3 * c + (long) (pair % nh) * hs;
                long gradHead = gb + (long) (pair / nh) * t * 3 * c + (long) (pair % nh) * hs;
                long dyHead = yb + (long) (pair / nh) * t * c + (long) (pair % nh) * hs;
                long square = (long) pair * t * t;
                for (int from = 0; from < t; from += block) {
                    int to = Math.min(t, from + block);
                    gemm(false, true, to - from, to, hs, 1f, dy, dyHead + (long) from * c, c, x, head + 2L * c,
                            3 * c, ds, square + (long) from * t, t);
                    for (int query = from; query < to; query++) {
                        int keys = query + 1;
                        long at = square + (long) query * t;
                        a.get((int) (ab + at), p, 0, keys);
                        g.get((int) at, dp, 0, keys);
                        if (d != null) {
                            for (int j = 0; j < keys; j++) {
                                float m = Dropout.keep(seed, stream, at + j, dropout) ? keepScale : 0f;
                                dp[j] *= m;
                                p[j] *= m;
                            }
                            java.util.Arrays.fill(p, keys, t, 0f);
                            d.put((int) at, p, 0, t);
                            a.get((int) (ab + at), p, 0, keys);
                        }
                        float dot = 0;
                        for (int j = 0; j < keys; j++) {
                            dot += p[j] * dp[j];
                        }
                        for (int j = 0; j < keys; j++) {
                            dp[j] = fscale * p[j] * (dp[j] - dot);
                        }
                        java.util.Arrays.fill(dp, keys, t, 0f);
                        g.put((int) at, dp, 0, t);
                    }
                    // dq of queries [from, to) = dS[from, to)[:, 0..to) @ k[0..to)
                    gemm(false, false, to - from, hs, to, 1f, ds, square + (long) from * t, t, k, head + c, 3 * c,
                            dx, gradHead + (long) from * 3 * c, 3 * c);
                }
                for (int from = 0; from < t; from += block) {
                    int to = Math.min(t, from + block);
                    // dk and dv of keys [from, to): sums over the queries [from, t) that see them
                    gemm(true, false, to - from, hs, t - from, 1f, ds, square + (long) from * t + from, t, x,
                            head + (long) from * 3 * c, 3 * c, dx, gradHead + (long) from * 3 * c + c, 3 * c);
                    gemm(true, false, to - from, hs, t - from, 1f, used, usedBase + square + (long) from * t + from,
                            t, dy, dyHead + (long) from * c, c, dx, gradHead + (long) from * 3 * c + 2L * c, 3 * c);
                }
            }
        });
    }

    /**
     * row[0, keys) = softmax of the scaled scores in row[0, keys) for query {@code query} of the sequence whose
     * segment ids start at segmentIds[segBase] (null: one segment); keys of other segments get probability 0.
     */
    private static void maskedSoftmax(float[] row, float[] exps, int keys, int[] segmentIds, int segBase, int query) {
        if (segmentIds != null) {
            int own = segmentIds[segBase + query];
            for (int j = 0; j < keys; j++) {
                if (segmentIds[segBase + j] != own) {
                    row[j] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        // the query's own key is always allowed, so max is finite
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < keys; j++) {
            max = Math.max(max, row[j]);
        }
        for (int j = 0; j < keys; j++) {
            row[j] = Math.max(row[j] - max, -87f);
        }
        expInPlace(row, exps, keys);
        if (segmentIds != null) {
            int own = segmentIds[segBase + query];
            for (int j = 0; j < keys; j++) {
                if (segmentIds[segBase + j] != own) {
                    row[j] = 0f;
                }
            }
        }
        float inv = 1f / sum(row, keys);
        for (int j = 0; j < keys; j++) {
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
        FloatBuffer d = buf(dout);
        int dbs = base(dout);
        int parts = Math.max(1, Math.min(threads, n));
        IntStream.range(0, parts).parallel().forEach(part -> {
            float[] row = partScratch[part].floats(0, c);
            float[] sum = partScratch[part].zeros(4, c);
            for (int r = (int) ((long) n * part / parts); r < (int) ((long) n * (part + 1) / parts); r++) {
                d.get(dbs + r * c, row, 0, c);
                for (int i = 0; i < c; i++) {
                    sum[i] += row[i];
                }
            }
        });
        addParts(dbias, c, parts, 4);
    }

    // ---- cross-entropy ----------------------------------------------------------------------------------------

    @Override
    public double crossEntropy(INDArray dlogits, INDArray logits, int[] targets) {
        if (!isFloat(dlogits, logits)) {
            return fallback.crossEntropy(dlogits, logits, targets);
        }
        int v = (int) logits.size(1);
        int n = (int) logits.size(0);
        FloatBuffer z = buf(logits);
        FloatBuffer d = buf(dlogits);
        int zb = base(logits);
        int db = base(dlogits);
        double[] rowLoss = callerScratch.doubles(n);
        java.util.Arrays.fill(rowLoss, 0, n, 0.0);
        parallel(n, (buffers, from, to) -> {
            float[] row = buffers.floats(0, v);
            float[] scratch = buffers.floats(1, v);
            for (int r = from; r < to; r++) {
                int target = targets[r];
                if (target < 0) {
                    java.util.Arrays.fill(row, 0, v, 0f);
                    d.put(db + r * v, row, 0, v);
                    continue;
                }
                z.get(zb + r * v, row, 0, v);
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
                d.put(db + r * v, row, 0, v);
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
        FloatBuffer a = buf(x);
        int ab = base(x);
        float scale = (float) (1.0 / (1.0 - p));
        parallel((int) x.length(), (scratch, from, to) -> {
            for (int i = from; i < to; i++) {
                a.put(ab + i, Dropout.keep(seed, stream, i, p) ? a.get(ab + i) * scale : 0f);
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
