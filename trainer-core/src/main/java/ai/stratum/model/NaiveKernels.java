package ai.stratum.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The reference kernels: each array is copied into a {@code double[]}, computed with plain loops that follow the
 * textbook formulas, and copied back. Slow and obvious on purpose; every other implementation is tested
 * against this one, and this one against finite differences.
 */
public final class NaiveKernels implements Kernels {

    private static final double GELU_K = Math.sqrt(2.0 / Math.PI);

    @Override
    public void embeddingForward(INDArray out, int[] tokens, int[] positions, INDArray wte, INDArray wpe) {
        double[] e = read(wte);
        double[] p = read(wpe);
        int c = (int) wte.size(1);
        int rows = (int) out.size(0);
        double[] o = new double[rows * c];
        for (int n = 0; n < rows; n++) {
            int tok = tokens[n];
            int t = positions[n];
            for (int i = 0; i < c; i++) {
                o[n * c + i] = e[tok * c + i] + p[t * c + i];
            }
        }
        write(out, o);
    }

    @Override
    public void embeddingBackward(INDArray dwte, INDArray dwpe, INDArray dout, int[] tokens, int[] positions) {
        double[] de = read(dwte);
        double[] dp = read(dwpe);
        double[] d = read(dout);
        int c = (int) dwte.size(1);
        for (int n = 0; n < (int) dout.size(0); n++) {
            int tok = tokens[n];
            int t = positions[n];
            for (int i = 0; i < c; i++) {
                de[tok * c + i] += d[n * c + i];
                dp[t * c + i] += d[n * c + i];
            }
        }
        write(dwte, de);
        write(dwpe, dp);
    }

    @Override
    public void layerNormForward(INDArray out, INDArray mean, INDArray rstd, INDArray inp, INDArray weight,
                                 INDArray bias) {
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
            double rs = 1.0 / Math.sqrt(var / c + ModelConfig.LAYER_NORM_EPS);
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

    @Override
    public void attentionSoftmaxForward(INDArray att, double scale, int[] segmentIds) {
        int b = (int) att.size(0);
        int nh = (int) att.size(1);
        int t = (int) att.size(2);
        double[] a = read(att);
        for (int bi = 0; bi < b; bi++) {
            for (int h = 0; h < nh; h++) {
                for (int i = 0; i < t; i++) {
                    int row = ((bi * nh + h) * t + i) * t;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        a[row + j] *= scale;
                        if (allowed(segmentIds, bi, t, i, j)) {
                            max = Math.max(max, a[row + j]);
                        }
                    }
                    double sum = 0;
                    for (int j = 0; j < t; j++) {
                        a[row + j] = allowed(segmentIds, bi, t, i, j) ? Math.exp(a[row + j] - max) : 0.0;
                        sum += a[row + j];
                    }
                    for (int j = 0; j < t; j++) {
                        a[row + j] /= sum;
                    }
                }
            }
        }
        write(att, a);
    }

    static boolean allowed(int[] segmentIds, int b, int t, int query, int key) {
        return key <= query && (segmentIds == null || segmentIds[b * t + key] == segmentIds[b * t + query]);
    }

    @Override
    public void attentionSoftmaxBackward(INDArray dpreatt, INDArray datt, INDArray att, double scale) {
        int t = (int) att.size(3);
        double[] p = read(att);
        double[] dp = read(datt);
        double[] d = new double[p.length];
        for (int row = 0; row < p.length; row += t) {
            double dot = 0;
            for (int j = 0; j < t; j++) {
                dot += p[row + j] * dp[row + j];
            }
            for (int j = 0; j < t; j++) {
                d[row + j] = scale * p[row + j] * (dp[row + j] - dot);
            }
        }
        write(dpreatt, d);
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
    public double crossEntropyForward(INDArray probs, INDArray logits, int[] targets) {
        int n = (int) logits.size(0);
        int v = (int) logits.size(1);
        double[] z = read(logits);
        double[] p = new double[z.length];
        double loss = 0;
        for (int row = 0; row < n; row++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < v; i++) {
                max = Math.max(max, z[row * v + i]);
            }
            double sum = 0;
            for (int i = 0; i < v; i++) {
                p[row * v + i] = Math.exp(z[row * v + i] - max);
                sum += p[row * v + i];
            }
            for (int i = 0; i < v; i++) {
                p[row * v + i] /= sum;
            }
            if (targets[row] >= 0) {
                loss -= Math.log(p[row * v + targets[row]]);
            }
        }
        write(probs, p);
        return loss;
    }

    @Override
    public void crossEntropyBackward(INDArray dlogits, INDArray probs, int[] targets, double scale) {
        int n = (int) probs.size(0);
        int v = (int) probs.size(1);
        double[] p = read(probs);
        double[] d = new double[p.length];
        for (int row = 0; row < n; row++) {
            if (targets[row] < 0) {
                continue;
            }
            for (int i = 0; i < v; i++) {
                d[row * v + i] = scale * (p[row * v + i] - (i == targets[row] ? 1.0 : 0.0));
            }
        }
        write(dlogits, d);
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

    private static double[] read(INDArray a) {
        return a.dup('c').data().asDouble();
    }

    private static void write(INDArray a, double[] values) {
        a.assign(Nd4j.createFromArray(values).reshape(a.shape()).castTo(a.dataType()));
    }
}
