package ai.stratum.model.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The reference kernels: each array is copied into a {@code double[]}, computed with plain loops that follow the
 * textbook formulas, and copied back. Slow and obvious on purpose; every other implementation is tested
 * against this one, and this one against finite differences.
 */
public final class NaiveKernels implements Kernels {

    private static final double GELU_K = Math.sqrt(2.0 / Math.PI);

    /** ND4J's gemm: the reference the other implementations' matmuls are tested against. */
    @Override
    public void matmul(INDArray c, INDArray a, INDArray b, boolean transA, boolean transB, double alpha,
                       double beta) {
        Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
    }

    @Override
    public void addBias(INDArray out, INDArray bias) {
        double[] o = read(out);
        double[] b = read(bias);
        for (int i = 0; i < o.length; i++) {
            o[i] += b[i % b.length];
        }
        write(out, o);
    }

    @Override
    public void add(INDArray out, INDArray a, INDArray b) {
        double[] x = read(a);
        double[] y = read(b);
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
        write(out, x);
    }

    @Override
    public void embeddingForward(INDArray out, int[] tokens, int[] positions, INDArray wte, INDArray wpe) {
        double[] e = read(wte);
        double[] p = wpe == null ? null : read(wpe);
        int c = (int) wte.size(1);
        int rows = (int) out.size(0);
        double[] o = new double[rows * c];
        for (int n = 0; n < rows; n++) {
            int tok = tokens[n];
            for (int i = 0; i < c; i++) {
                o[n * c + i] = e[tok * c + i] + (p == null ? 0.0 : p[positions[n] * c + i]);
            }
        }
        write(out, o);
    }

    @Override
    public void embeddingBackward(INDArray dwte, INDArray dwpe, INDArray dout, int[] tokens, int[] positions) {
        double[] de = read(dwte);
        double[] dp = dwpe == null ? null : read(dwpe);
        double[] d = read(dout);
        int c = (int) dwte.size(1);
        for (int n = 0; n < (int) dout.size(0); n++) {
            int tok = tokens[n];
            for (int i = 0; i < c; i++) {
                de[tok * c + i] += d[n * c + i];
                if (dp != null) {
                    dp[positions[n] * c + i] += d[n * c + i];
                }
            }
        }
        write(dwte, de);
        if (dwpe != null) {
            write(dwpe, dp);
        }
    }

    @Override
    public void layerNormForward(INDArray out, INDArray mean, INDArray rstd, INDArray inp, INDArray weight,
                                 INDArray bias, double eps) {
        double[] x = read(inp);
        double[] w = read(weight);
        double[] b = read(bias);
        int n = (int) inp.size(0);
        int c = (int) inp.size(1);
        double[] o = new double[n * c];
        double[] m = new double[n];
        double[] r = new double[n];
        for (int row = 0; row < n; row++) {
            double sum = 0;
            for (int i = 0; i < c; i++) {
                sum += x[row * c + i];
            }
            double mu = sum / c;
            double var = 0;
            for (int i = 0; i < c; i++) {
                double d = x[row * c + i] - mu;
                var += d * d;
            }
            double rs = 1.0 / Math.sqrt(var / c + eps);
            for (int i = 0; i < c; i++) {
                o[row * c + i] = (x[row * c + i] - mu) * rs * w[i] + b[i];
            }
            m[row] = mu;
            r[row] = rs;
        }
        write(out, o);
        write(mean, m);
        write(rstd, r);
    }

    @Override
    public void layerNormBackward(INDArray dinp, INDArray dweight, INDArray dbias, INDArray dout, INDArray inp,
                                  INDArray weight, INDArray mean, INDArray rstd) {
        double[] dx = read(dinp);
        double[] dw = read(dweight);
        double[] db = read(dbias);
        double[] dy = read(dout);
        double[] x = read(inp);
        double[] w = read(weight);
        double[] m = read(mean);
        double[] r = read(rstd);
        int n = (int) inp.size(0);
        int c = (int) inp.size(1);
        for (int row = 0; row < n; row++) {
            double dnormMean = 0;
            double dnormXhatMean = 0;
            for (int i = 0; i < c; i++) {
                double xhat = (x[row * c + i] - m[row]) * r[row];
                double dnorm = dy[row * c + i] * w[i];
                dnormMean += dnorm;
                dnormXhatMean += dnorm * xhat;
            }
            dnormMean /= c;
            dnormXhatMean /= c;
            for (int i = 0; i < c; i++) {
                double xhat = (x[row * c + i] - m[row]) * r[row];
                double dnorm = dy[row * c + i] * w[i];
                db[i] += dy[row * c + i];
                dw[i] += dy[row * c + i] * xhat;
                dx[row * c + i] += r[row] * (dnorm - dnormMean - xhat * dnormXhatMean);
            }
        }
        write(dinp, dx);
        write(dweight, dw);
        write(dbias, db);
    }

    @Override
    public void rmsNormForward(INDArray out, INDArray rstd, INDArray inp, INDArray weight, double eps) {
        double[] x = read(inp);
        double[] w = read(weight);
        int n = (int) inp.size(0);
        int c = (int) inp.size(1);
        double[] o = new double[n * c];
        double[] r = new double[n];
        for (int row = 0; row < n; row++) {
            double squares = 0;
            for (int i = 0; i < c; i++) {
                squares += x[row * c + i] * x[row * c + i];
            }
            r[row] = 1.0 / Math.sqrt(squares / c + eps);
            for (int i = 0; i < c; i++) {
                o[row * c + i] = x[row * c + i] * r[row] * w[i];
            }
        }
        write(out, o);
        write(rstd, r);
    }

    @Override
    public void rmsNormBackward(INDArray dinp, INDArray dweight, INDArray dout, INDArray inp, INDArray weight,
                                INDArray rstd) {
        double[] dx = read(dinp);
        double[] dw = read(dweight);
        double[] dy = read(dout);
        double[] x = read(inp);
        double[] w = read(weight);
        double[] r = read(rstd);
        int n = (int) inp.size(0);
        int c = (int) inp.size(1);
        for (int row = 0; row < n; row++) {
            // y_i = x_i r w_i with r = (mean(x^2) + eps)^-1/2, dr/dx_i = -r^3 x_i / C
            double dyWx = 0;
            for (int i = 0; i < c; i++) {
                dyWx += dy[row * c + i] * w[i] * x[row * c + i];
            }
            double rs = r[row];
            for (int i = 0; i < c; i++) {
                dw[i] += dy[row * c + i] * x[row * c + i] * rs;
                dx[row * c + i] += rs * dy[row * c + i] * w[i] - rs * rs * rs * x[row * c + i] * dyWx / c;
            }
        }
        write(dinp, dx);
        write(dweight, dw);
    }

    @Override
    public void ropeForward(INDArray x, int nHeads, int headDim, int[] positions, INDArray cos, INDArray sin) {
        rotate(x, nHeads, headDim, positions, cos, sin, 1.0);
    }

    @Override
    public void ropeBackward(INDArray dx, int nHeads, int headDim, int[] positions, INDArray cos, INDArray sin) {
        // the rotation is orthogonal: its transpose (the rotation by -angle) carries the gradient back
        rotate(dx, nHeads, headDim, positions, cos, sin, -1.0);
    }

    /** x (N, nHeads * headDim) rotated in place by the angles of the tables, their sines times {@code sign}. */
    private static void rotate(INDArray x, int nHeads, int headDim, int[] positions, INDArray cos, INDArray sin,
                               double sign) {
        Heads.checkRope(x, nHeads, headDim, positions, cos, sin);
        double[] a = read(x);
        double[] co = read(cos);
        double[] si = read(sin);
        int n = (int) x.size(0);
        int width = nHeads * headDim;
        int half = headDim / 2;
        for (int row = 0; row < n; row++) {
            for (int h = 0; h < nHeads; h++) {
                for (int i = 0; i < half; i++) {
                    int at = row * width + h * headDim + i;
                    double c = co[positions[row] * half + i];
                    double s = sign * si[positions[row] * half + i];
                    double x1 = a[at];
                    double x2 = a[at + half];
                    a[at] = x1 * c - x2 * s;
                    a[at + half] = x2 * c + x1 * s;
                }
            }
        }
        write(x, a);
    }

    @Override
    public void swigluForward(INDArray out, INDArray gateUp) {
        double[] gu = read(gateUp);
        int n = (int) out.size(0);
        int inter = (int) out.size(1);
        double[] o = new double[n * inter];
        for (int row = 0; row < n; row++) {
            for (int i = 0; i < inter; i++) {
                double g = gu[row * 2 * inter + i];
                o[row * inter + i] = g / (1 + Math.exp(-g)) * gu[row * 2 * inter + inter + i];
            }
        }
        write(out, o);
    }

    @Override
    public void swigluBackward(INDArray dGateUp, INDArray dout, INDArray gateUp) {
        double[] gu = read(gateUp);
        double[] dy = read(dout);
        int n = (int) dout.size(0);
        int inter = (int) dout.size(1);
        double[] d = new double[n * 2 * inter];
        for (int row = 0; row < n; row++) {
            for (int i = 0; i < inter; i++) {
                double g = gu[row * 2 * inter + i];
                double u = gu[row * 2 * inter + inter + i];
                double s = 1 / (1 + Math.exp(-g));
                double grad = dy[row * inter + i];
                // silu'(g) = s + g s (1 - s)
                d[row * 2 * inter + i] = grad * u * (s + g * s * (1 - s));
                d[row * 2 * inter + inter + i] = grad * g * s;
            }
        }
        write(dGateUp, d);
    }

    @Override
    public void geluForward(INDArray out, INDArray inp) {
        double[] x = read(inp);
        double[] o = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            o[i] = 0.5 * v * (1 + Math.tanh(GELU_K * (v + 0.044715 * v * v * v)));
        }
        write(out, o);
    }

    @Override
    public void geluBackward(INDArray dinp, INDArray dout, INDArray inp) {
        double[] x = read(inp);
        double[] dy = read(dout);
        double[] dx = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            double th = Math.tanh(GELU_K * (v + 0.044715 * v * v * v));
            double dth = (1 - th * th) * GELU_K * (1 + 3 * 0.044715 * v * v);
            dx[i] = (0.5 * (1 + th) + 0.5 * v * dth) * dy[i];
        }
        write(dinp, dx);
    }

    /**
     * Column of element d of query head h in a qkv row; keys start at nHead * headDim, values at
     * (nHead + nKvHead) * headDim.
     */
    private record Layout(int nHead, int nKvHead, int headDim) {
        int width() {
            return (nHead + 2 * nKvHead) * headDim;
        }

        int q(int h, int d) {
            return h * headDim + d;
        }

        int k(int h, int d) {
            return (nHead + kvHead(h)) * headDim + d;
        }

        int v(int h, int d) {
            return (nHead + nKvHead + kvHead(h)) * headDim + d;
        }

        int kvHead(int h) {
            return h / (nHead / nKvHead);
        }
    }

    @Override
    public void attentionForward(INDArray out, INDArray att, INDArray qkv, int nHead, int nKvHead, int headDim,
                                 double scale, int window, int[] segmentIds, double dropout, long seed,
                                 long stream) {
        Heads.check(qkv, nHead, nKvHead, headDim);
        int b = (int) att.size(0);
        int t = (int) att.size(2);
        Layout hd = new Layout(nHead, nKvHead, headDim);
        int w = hd.width();
        int c = nHead * headDim;
        double[] x = read(qkv);
        double[] a = new double[b * nHead * t * t];
        double[] o = new double[b * t * c];
        for (int bi = 0; bi < b; bi++) {
            for (int h = 0; h < nHead; h++) {
                for (int i = 0; i < t; i++) {
                    int row = ((bi * nHead + h) * t + i) * t;
                    double[] s = new double[t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        for (int d = 0; d < headDim; d++) {
                            s[j] += x[(bi * t + i) * w + hd.q(h, d)] * x[(bi * t + j) * w + hd.k(h, d)];
                        }
                        s[j] *= scale;
                        if (allowed(segmentIds, window, bi, t, i, j)) {
                            max = Math.max(max, s[j]);
                        }
                    }
                    double sum = 0;
                    for (int j = 0; j < t; j++) {
                        a[row + j] = allowed(segmentIds, window, bi, t, i, j) ? Math.exp(s[j] - max) : 0.0;
                        sum += a[row + j];
                    }
                    for (int j = 0; j < t; j++) {
                        a[row + j] /= sum;
                        double used = a[row + j] * keepScale(dropout, seed, stream, row + j);
                        for (int d = 0; d < headDim; d++) {
                            o[(bi * t + i) * c + h * headDim + d] += used * x[(bi * t + j) * w + hd.v(h, d)];
                        }
                    }
                }
            }
        }
        write(att, a);
        write(out, o);
    }

    /** The factor dropout applies to element {@code index}: 0 or 1 / (1 - p); 1 without dropout. */
    private static double keepScale(double p, long seed, long stream, long index) {
        if (p == 0) {
            return 1.0;
        }
        return Dropout.keep(seed, stream, index, p) ? 1.0 / (1.0 - p) : 0.0;
    }

    /**
     * Whether query {@code query} of sequence b sees key {@code key}: causal, in the same segment when segment ids
     * are given, and fewer than {@code window} positions back when window &gt; 0.
     */
    static boolean allowed(int[] segmentIds, int window, int b, int t, int query, int key) {
        return key <= query && (window <= 0 || query - key < window)
                && (segmentIds == null || segmentIds[b * t + key] == segmentIds[b * t + query]);
    }

    @Override
    public void attentionBackward(INDArray dqkv, INDArray dout, INDArray qkv, INDArray att, int nHead, int nKvHead,
                                  int headDim, double scale, int window, double dropout, long seed, long stream) {
        Heads.check(qkv, nHead, nKvHead, headDim);
        int b = (int) att.size(0);
        int t = (int) att.size(2);
        Layout hd = new Layout(nHead, nKvHead, headDim);
        int w = hd.width();
        int c = nHead * headDim;
        double[] x = read(qkv);
        double[] a = read(att);
        double[] dy = read(dout);
        double[] dx = new double[x.length];
        for (int bi = 0; bi < b; bi++) {
            for (int h = 0; h < nHead; h++) {
                for (int i = 0; i < t; i++) {
                    int row = ((bi * nHead + h) * t + i) * t;
                    // out_i = sum_j used_ij v_j with used = dropout(p): d used_ij = dout_i . v_j, d p_ij = mask * that
                    double[] dp = new double[t];
                    double dot = 0;
                    for (int j = 0; j < t; j++) {
                        double keep = keepScale(dropout, seed, stream, row + j);
                        for (int d = 0; d < headDim; d++) {
                            double g = dy[(bi * t + i) * c + h * headDim + d];
                            dp[j] += g * x[(bi * t + j) * w + hd.v(h, d)];
                            dx[(bi * t + j) * w + hd.v(h, d)] += a[row + j] * keep * g;
                        }
                        dp[j] *= keep;
                        dot += a[row + j] * dp[j];
                    }
                    // softmax backward, then through the scaled scores s_ij = scale q_i . k_j
                    for (int j = 0; j < t; j++) {
                        double ds = scale * a[row + j] * (dp[j] - dot);
                        for (int d = 0; d < headDim; d++) {
                            dx[(bi * t + i) * w + hd.q(h, d)] += ds * x[(bi * t + j) * w + hd.k(h, d)];
                            dx[(bi * t + j) * w + hd.k(h, d)] += ds * x[(bi * t + i) * w + hd.q(h, d)];
                        }
                    }
                }
            }
        }
        write(dqkv, dx);
    }

    @Override
    public void attentionDecode(INDArray out, INDArray q, INDArray kCache, INDArray vCache, int[] slots, int[] len,
                                int nHead, int nKvHead, int headDim, double scale, int window) {
        Heads.checkDecode(out, q, kCache, vCache, slots, len, nHead, nKvHead, headDim);
        int b = (int) q.size(0);
        int maxLen = (int) kCache.size(1);
        int kvWidth = nKvHead * headDim;
        int group = nHead / nKvHead;
        double[] x = read(q);
        double[] k = read(kCache);
        double[] v = read(vCache);
        double[] o = new double[b * nHead * headDim];
        for (int bi = 0; bi < b; bi++) {
            int from = window > 0 ? Math.max(0, len[bi] - window) : 0;
            int cache = slots[bi] * maxLen;
            for (int h = 0; h < nHead; h++) {
                int kv = (h / group) * headDim;
                double[] s = new double[len[bi]];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = from; j < len[bi]; j++) {
                    for (int d = 0; d < headDim; d++) {
                        s[j] += x[(bi * nHead + h) * headDim + d] * k[(cache + j) * kvWidth + kv + d];
                    }
                    s[j] *= scale;
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = from; j < len[bi]; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int j = from; j < len[bi]; j++) {
                    for (int d = 0; d < headDim; d++) {
                        o[(bi * nHead + h) * headDim + d] += s[j] / sum * v[(cache + j) * kvWidth + kv + d];
                    }
                }
            }
        }
        write(out, o);
    }

    @Override
    public void kvCacheWrite(INDArray kCache, INDArray vCache, INDArray qkv, int nHead, int nKvHead, int headDim,
                             int[] slots, int[] positions) {
        Heads.checkCacheWrite(kCache, vCache, qkv, nHead, nKvHead, headDim, slots, positions);
        int maxLen = (int) kCache.size(1);
        int kvWidth = nKvHead * headDim;
        int width = (nHead + 2 * nKvHead) * headDim;
        int qWidth = nHead * headDim;
        double[] x = read(qkv);
        double[] k = read(kCache);
        double[] v = read(vCache);
        for (int n = 0; n < slots.length; n++) {
            int at = (slots[n] * maxLen + positions[n]) * kvWidth;
            for (int i = 0; i < kvWidth; i++) {
                k[at + i] = x[n * width + qWidth + i];
                v[at + i] = x[n * width + qWidth + kvWidth + i];
            }
        }
        write(kCache, k);
        write(vCache, v);
    }

    @Override
    public void biasGradient(INDArray dbias, INDArray dout) {
        double[] db = read(dbias);
        double[] d = read(dout);
        int c = db.length;
        for (int i = 0; i < d.length; i++) {
            db[i % c] += d[i];
        }
        write(dbias, db);
    }

    @Override
    public double crossEntropy(INDArray dlogits, INDArray logits, int[] targets) {
        int n = (int) logits.size(0);
        int v = (int) logits.size(1);
        double[] z = read(logits);
        double[] d = new double[z.length];
        double loss = 0;
        for (int row = 0; row < n; row++) {
            if (targets[row] < 0) {
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < v; i++) {
                max = Math.max(max, z[row * v + i]);
            }
            double sum = 0;
            for (int i = 0; i < v; i++) {
                sum += Math.exp(z[row * v + i] - max);
            }
            for (int i = 0; i < v; i++) {
                d[row * v + i] = Math.exp(z[row * v + i] - max) / sum - (i == targets[row] ? 1.0 : 0.0);
            }
            loss += Math.log(sum) - (z[row * v + targets[row]] - max);
        }
        write(dlogits, d);
        return loss;
    }

    @Override
    public void dropout(INDArray x, double p, long seed, long stream) {
        double[] a = read(x);
        double scale = 1.0 / (1.0 - p);
        for (int i = 0; i < a.length; i++) {
            a[i] = Dropout.keep(seed, stream, i, p) ? a[i] * scale : 0.0;
        }
        write(x, a);
    }

    @Override
    public double sumOfSquares(INDArray[] xs) {
        double sum = 0;
        for (INDArray x : xs) {
            for (double e : read(x)) {
                sum += e * e;
            }
        }
        return sum;
    }

    @Override
    public void scale(INDArray[] xs, double s) {
        for (INDArray x : xs) {
            double[] a = read(x);
            for (int i = 0; i < a.length; i++) {
                a[i] *= s;
            }
            write(x, a);
        }
    }

    @Override
    public void adamw(INDArray[] params, INDArray[] grads, INDArray[] m, INDArray[] v, boolean[] decays,
                      double decay, double stepSize, double beta1, double beta2, double biasCorrection2, double eps) {
        for (int t = 0; t < params.length; t++) {
            double[] p = read(params[t]);
            double[] g = read(grads[t]);
            double[] mt = read(m[t]);
            double[] vt = read(v[t]);
            for (int i = 0; i < p.length; i++) {
                mt[i] = beta1 * mt[i] + (1 - beta1) * g[i];
                vt[i] = beta2 * vt[i] + (1 - beta2) * g[i] * g[i];
                if (decays[t]) {
                    p[i] *= decay;
                }
                p[i] -= stepSize * mt[i] / (Math.sqrt(vt[i] / biasCorrection2) + eps);
            }
            write(params[t], p);
            write(m[t], mt);
            write(v[t], vt);
        }
    }

    private static double[] read(INDArray a) {
        return a.dup('c').data().asDouble();
    }

    private static void write(INDArray a, double[] values) {
        a.assign(Nd4j.createFromArray(values).reshape(a.shape()).castTo(a.dataType()));
    }
}
