package ai.stratum.model.lora;

import ai.stratum.model.Views;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.nn.Linear;
import ai.stratum.model.nn.LinearLayer;
import ai.stratum.model.nn.Pass;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * A linear layer wrapped with low-rank adapters, PEFT's LoRA: {@code y = x W^T + b}, then for each adapter
 * {@code y[:, rows] += scale * dropout(x) A^T B^T} with {@code A [r, in]}, {@code B [rows, r]} and
 * {@code scale = alpha / r}. An adapter covers all the layer's output rows, or a slice of a fused weight (q, k or v
 * inside attn.qkv; gate or up inside mlp.fc), so PEFT's per-projection adapters map exactly. The base weight is
 * never touched except by {@link #mergeInto}.
 */
public final class LoraLinear implements LinearLayer {

    /**
     * One adapter on output rows [rowStart, rowEnd) of the wrapped layer. A, B and their gradients are views into
     * the adapters' own flat buffers; scratch is allocated once for {@code maxRows} rows.
     */
    public static final class Adapter {
        final String name;
        final int rowStart;
        final int rowEnd;
        final INDArray a;
        final INDArray b;
        final INDArray da;
        final INDArray db;
        final double scale;
        final double dropout;
        final long stream;
        final INDArray h;      // (maxRows, r)
        final INDArray dh;     // (maxRows, r)
        final int maxRows;
        final INDArray xDrop;  // (maxRows, in), only with dropout
        final INDArray dxDrop; // (maxRows, in), only with dropout
        INDArray part;         // (maxRows, rows): the slice's update or gradient, contiguous; null for all rows

        public Adapter(String name, int rowStart, int rowEnd, INDArray a, INDArray b, INDArray da, INDArray db,
                       double scale, double dropout, long stream, int maxRows) {
            if (a.rank() != 2 || b.rank() != 2 || a.size(0) != b.size(1) || b.size(0) != rowEnd - rowStart) {
                throw new IllegalArgumentException(name + ": A must be [r, in] and B [" + (rowEnd - rowStart)
                        + ", r], got " + java.util.Arrays.toString(a.shape()) + " and "
                        + java.util.Arrays.toString(b.shape()));
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new IllegalArgumentException("dropout: must be in [0, 1), got " + dropout);
            }
            this.name = name;
            this.rowStart = rowStart;
            this.rowEnd = rowEnd;
            this.a = a;
            this.b = b;
            this.da = da;
            this.db = db;
            this.scale = scale;
            this.dropout = dropout;
            this.stream = stream;
            this.maxRows = maxRows;
            DataType t = a.dataType();
            long r = a.size(0);
            this.h = Nd4j.create(t, maxRows, r);
            this.dh = Nd4j.create(t, maxRows, r);
            this.xDrop = dropout > 0 ? Nd4j.create(t, maxRows, a.size(1)) : null;
            this.dxDrop = dropout > 0 ? Nd4j.create(t, maxRows, a.size(1)) : null;
        }

        public String name() {
            return name;
        }

        public double scale() {
            return scale;
        }

        public int rank() {
            return (int) a.size(0);
        }
    }

    private final LinearLayer inner;
    private final List<Adapter> adapters;
    private final Kernels kernels;

    public LoraLinear(LinearLayer inner, List<Adapter> adapters, Kernels kernels) {
        this.inner = inner;
        this.adapters = List.copyOf(adapters);
        this.kernels = kernels;
        for (Adapter ad : adapters) {
            if (ad.a.size(1) != inner.base().in() || ad.rowEnd > inner.base().out()) {
                throw new IllegalArgumentException(ad.name + ": does not fit " + inner.base().name() + " ["
                        + inner.base().out() + ", " + inner.base().in() + "]");
            }
            if (ad.rowEnd - ad.rowStart != inner.base().out() && ad.part == null) {
                ad.part = Nd4j.create(ad.a.dataType(), ad.maxRows, ad.rowEnd - ad.rowStart);
            }
        }
    }

    @Override
    public Linear base() {
        return inner.base();
    }

    public List<Adapter> adapters() {
        return adapters;
    }

    /** Whether the adapter covers every output of y (N, out). */
    private static boolean covers(INDArray y, Adapter ad) {
        return ad.rowStart == 0 && ad.rowEnd == y.size(1);
    }

    /** Columns [rowStart, rowEnd) of y (N, out): the outputs an adapter adds to. */
    private static INDArray slice(INDArray y, Adapter ad) {
        return Views.columns(y, y.size(0), y.size(1), ad.rowStart, ad.rowEnd);
    }

    private static INDArray rows(INDArray buf, long n) {
        return n == buf.size(0) ? buf : Views.of(buf, 0, n, buf.size(1));
    }

    @Override
    public void forward(INDArray out, INDArray x, Pass pass) {
        inner.forward(out, x, pass);
        long n = x.size(0);
        for (Adapter ad : adapters) {
            INDArray xin = x;
            if (pass.dropoutOn() && ad.dropout > 0) {
                xin = rows(ad.xDrop, n).assign(x);
                kernels.dropout(xin, ad.dropout, pass.seed(), ad.stream);
            }
            INDArray h = rows(ad.h, n);
            kernels.matmul(h, xin, ad.a, false, true, 1.0, 0.0);                // h (N, r) = xin A^T
            if (covers(out, ad)) {
                kernels.matmul(out, h, ad.b, false, true, ad.scale, 1.0);      // y += scale h B^T
            } else {
                // matmuls take contiguous operands: the slice's update goes through a (N, rows) buffer
                INDArray u = rows(ad.part, n);
                kernels.matmul(u, h, ad.b, false, true, ad.scale, 0.0);        // u = scale h B^T
                slice(out, ad).addi(u);                                        // y[:, rows] += u
            }
        }
    }

    @Override
    public void backward(INDArray dx, INDArray dout, INDArray x, Pass pass) {
        inner.backward(dx, dout, x, pass);
        long n = x.size(0);
        for (Adapter ad : adapters) {
            boolean drop = pass.dropoutOn() && ad.dropout > 0;
            INDArray xin = drop ? rows(ad.xDrop, n) : x;                        // kept from the forward
            INDArray dy = covers(dout, ad) ? dout : rows(ad.part, n).assign(slice(dout, ad));
            INDArray h = rows(ad.h, n);
            INDArray dh = rows(ad.dh, n);
            kernels.matmul(ad.db, dy, h, true, false, ad.scale, 1.0);          // dB (rows, r) += scale dy^T h
            kernels.matmul(dh, dy, ad.b, false, false, ad.scale, 0.0);         // dh (N, r) = scale dy B
            kernels.matmul(ad.da, dh, xin, true, false, 1.0, 1.0);             // dA (r, in) += dh^T xin
            if (drop) {
                INDArray dxin = rows(ad.dxDrop, n);
                kernels.matmul(dxin, dh, ad.a, false, false, 1.0, 0.0);        // dxin (N, in) = dh A
                kernels.dropout(dxin, ad.dropout, pass.seed(), ad.stream);     // the same mask: the backward
                kernels.add(dx, dx, dxin);
            } else {
                kernels.matmul(dx, dh, ad.a, false, false, 1.0, 1.0);          // dx += dh A
            }
        }
    }

    /** Folds every adapter into the base weight: W[rows, :] += scale * B A. */
    public void mergeInto() {
        INDArray w = base().weight();
        long in = w.size(1);
        for (Adapter ad : adapters) {
            INDArray rowsOfW = Views.of(w, ad.rowStart * in, ad.rowEnd - ad.rowStart, in);
            kernels.matmul(rowsOfW, ad.b, ad.a, false, false, ad.scale, 1.0);
        }
    }
}
