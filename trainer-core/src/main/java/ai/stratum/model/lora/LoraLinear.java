package ai.stratum.model.lora;

import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.Views;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A low-rank adapter around one linear layer {@code y = x W + b} (W is {@code [in, out]}, GPT-2's Conv1D
 * layout): {@code y += scale * dropout(x) A^T B^T} with {@code A [r, in]} and {@code B [out, r]} in PEFT's
 * layout, {@code scale = alpha / r}. The base weight is never touched except by {@link #mergeInto}. A, B and
 * their gradients are views into the adapter's own flat buffers; scratch activations are allocated once for
 * {@code maxRows} rows.
 */
public final class LoraLinear {

    private final INDArray a;
    private final INDArray b;
    private final INDArray da;
    private final INDArray db;
    private final double scale;
    private final double dropout;
    private final Kernels kernels;
    private final int rank;
    private final long in;
    private final long out;
    private final INDArray xDropBuf; // (maxRows, in), only with dropout
    private final INDArray hBuf;     // (maxRows, r)
    private final INDArray dhBuf;    // (maxRows, r)
    private final INDArray dxBuf;    // (maxRows, in), only with dropout

    /**
     * @param a       A, shape [r, in]
     * @param b       B, shape [out, r]
     * @param da      gradient of A (accumulated into)
     * @param db      gradient of B (accumulated into)
     * @param scale   alpha / r
     * @param dropout dropout probability on the adapter's input, in [0, 1)
     * @param maxRows the most rows (B * T) a forward will see
     */
    public LoraLinear(INDArray a, INDArray b, INDArray da, INDArray db, double scale, double dropout,
                      Kernels kernels, int maxRows) {
        if (a.rank() != 2 || b.rank() != 2 || a.size(0) != b.size(1)) {
            throw new IllegalArgumentException("lora: A must be [r, in] and B [out, r], got "
                    + java.util.Arrays.toString(a.shape()) + " and " + java.util.Arrays.toString(b.shape()));
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout: must be in [0, 1), got " + dropout);
        }
        this.a = a;
        this.b = b;
        this.da = da;
        this.db = db;
        this.scale = scale;
        this.dropout = dropout;
        this.kernels = kernels;
        this.rank = (int) a.size(0);
        this.in = a.size(1);
        this.out = b.size(0);
        this.hBuf = Nd4j.create(a.dataType(), maxRows, rank);
        this.dhBuf = Nd4j.create(a.dataType(), maxRows, rank);
        this.xDropBuf = dropout > 0 ? Nd4j.create(a.dataType(), maxRows, in) : null;
        this.dxBuf = dropout > 0 ? Nd4j.create(a.dataType(), maxRows, in) : null;
    }

    public int rank() {
        return rank;
    }

    public double scale() {
        return scale;
    }

    /**
     * y (N, out) += scale * dropout(x) A^T B^T. With {@code training} false, dropout is off. {@code seed} and
     * {@code stream} pick the dropout mask, which {@link #backward} must receive again.
     */
    public void forward(INDArray y, INDArray x, boolean training, long seed, long stream) {
        int n = (int) x.size(0);
        INDArray xin = input(x, n, training, seed, stream);
        INDArray h = rows(hBuf, n);                                  // (N, r)
        Nd4j.gemm(xin, a, h, false, true, 1.0, 0.0);                  // h = xin A^T
        Nd4j.gemm(h, b, y, false, true, scale, 1.0);                  // y += scale h B^T
    }

    /**
     * From dy (N, out): dA +=, dB +=, and dx (N, in) += the adapter's share of the input gradient. {@code x},
     * {@code training}, {@code seed} and {@code stream} must be the forward's.
     */
    public void backward(INDArray dx, INDArray dy, INDArray x, boolean training, long seed, long stream) {
        int n = (int) x.size(0);
        boolean drop = training && dropout > 0;
        INDArray xin = drop ? rows(xDropBuf, n) : x;                  // kept from the forward
        INDArray h = rows(hBuf, n);
        INDArray dh = rows(dhBuf, n);
        Nd4j.gemm(dy, h, db, true, false, scale, 1.0);                // dB += scale dy^T h      (out, r)
        Nd4j.gemm(dy, b, dh, false, false, scale, 0.0);               // dh = scale dy B         (N, r)
        Nd4j.gemm(dh, xin, da, true, false, 1.0, 1.0);                // dA += dh^T xin          (r, in)
        if (drop) {
            INDArray dxin = rows(dxBuf, n);
            Nd4j.gemm(dh, a, dxin, false, false, 1.0, 0.0);           // dxin = dh A             (N, in)
            kernels.dropout(dxin, dropout, seed, stream);             // the same mask, so this is the backward
            dx.addi(dxin);
        } else {
            Nd4j.gemm(dh, a, dx, false, false, 1.0, 1.0);             // dx += dh A
        }
    }

    /** Folds the adapter into the base weight: W (in, out) += scale * A^T B^T. */
    public void mergeInto(INDArray w) {
        if (w.size(0) != in || w.size(1) != out) {
            throw new IllegalArgumentException("lora: base weight must be [" + in + ", " + out + "], got "
                    + java.util.Arrays.toString(w.shape()));
        }
        Nd4j.gemm(a, b, w, true, true, scale, 1.0);
    }

    private INDArray input(INDArray x, int n, boolean training, long seed, long stream) {
        if (!training || dropout == 0) {
            return x;
        }
        INDArray xd = rows(xDropBuf, n);
        xd.assign(x);
        kernels.dropout(xd, dropout, seed, stream);
        return xd;
    }

    private static INDArray rows(INDArray buf, int n) {
        return n == buf.size(0) ? buf : Views.of(buf, 0, n, buf.size(1));
    }
}
