package ai.stratum.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Seeded test arrays, finite differences and comparisons that report the worst element. */
public final class TestArrays {

    private TestArrays() {
    }

    /**
     * Uniform values in [-scale, scale) as a view at a nonzero offset inside a larger buffer, so kernels are
     * exercised on views the way the model calls them.
     */
    public static INDArray random(DataType type, long seed, double scale, long... shape) {
        SplittableRandom rng = new SplittableRandom(seed);
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        INDArray backing = Nd4j.zeros(type, n + 7);
        INDArray view = Views.of(backing, 3, shape);
        double[] values = new double[(int) n];
        for (int i = 0; i < values.length; i++) {
            values[i] = scale * (2 * rng.nextDouble() - 1);
        }
        view.assign(Nd4j.createFromArray(values).reshape(shape).castTo(type));
        return view;
    }

    public static INDArray zeros(DataType type, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return Views.of(Nd4j.zeros(type, n + 5), 2, shape);
    }

    public static int[] randomInts(long seed, int n, int bound) {
        return new SplittableRandom(seed).ints(n, 0, bound).toArray();
    }

    /** Largest |a - b| / max(|a| + |b|, floor) over all elements. */
    public static double maxRelativeError(INDArray a, INDArray b, double floor) {
        double[] x = a.dup('c').data().asDouble();
        double[] y = b.dup('c').data().asDouble();
        assertTrue(x.length == y.length, "lengths differ: " + x.length + " vs " + y.length);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(x[i] - y[i]) / Math.max(Math.abs(x[i]) + Math.abs(y[i]), floor));
        }
        return worst;
    }

    /**
     * Asserts the max relative error; values smaller than the floor (1e-2 in float, whose rounding is ~1e-7 of
     * the operands, 1e-3 in double) are compared absolutely.
     */
    public static void assertClose(INDArray expected, INDArray actual, double tolerance, String what) {
        double floor = actual.dataType() == DataType.DOUBLE ? 1e-3 : 1e-2;
        double err = maxRelativeError(expected, actual, floor);
        assertTrue(err <= tolerance, what + ": max relative error " + err + " > " + tolerance);
    }

    /** Central finite differences of {@code loss} with respect to every element of {@code x} (double arrays). */
    public static INDArray numericGradient(INDArray x, DoubleSupplier loss, double eps) {
        INDArray grad = Nd4j.zeros(DataType.DOUBLE, x.shape());
        INDArray flatGrad = grad.reshape(grad.length());
        long[] shape = x.shape();
        for (long i = 0; i < x.length(); i++) {
            long[] idx = org.nd4j.linalg.api.shape.Shape.ind2subC(shape, i);
            double orig = x.getDouble(idx);
            x.putScalar(idx, orig + eps);
            double plus = loss.getAsDouble();
            x.putScalar(idx, orig - eps);
            double minus = loss.getAsDouble();
            x.putScalar(idx, orig);
            flatGrad.putScalar(i, (plus - minus) / (2 * eps));
        }
        return grad;
    }

    /** sum(a * r) in double. */
    public static double dot(INDArray a, INDArray r) {
        double[] x = a.dup('c').data().asDouble();
        double[] y = r.dup('c').data().asDouble();
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }
}
