package ai.stratum.model.lora;

import ai.stratum.model.kernels.Nd4jKernels;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoraLinearTest {

    static final int N = 5;
    static final int IN = 4;
    static final int OUT = 6;
    static final int R = 2;

    static INDArray random(SplittableRandom rng, long... shape) {
        INDArray x = Nd4j.create(DataType.DOUBLE, shape);
        for (long i = 0; i < x.length(); i++) {
            x.putScalar(i, rng.nextDouble(-1, 1));
        }
        return x;
    }

    /** L = sum(G * y), y = x W + lora(x). */
    static double loss(LoraLinear lora, INDArray x, INDArray w, INDArray g, boolean training) {
        INDArray y = x.mmul(w);
        lora.forward(y, x, training, 42, 3);
        return y.mul(g).sumNumber().doubleValue();
    }

    @Test
    void gradientsOfAAndBAndTheInputMatchFiniteDifferences() {
        for (double dropout : new double[] {0.0, 0.3}) {
            SplittableRandom rng = new SplittableRandom(7);
            INDArray a = random(rng, R, IN);
            INDArray b = random(rng, OUT, R);
            INDArray da = Nd4j.zeros(DataType.DOUBLE, R, IN);
            INDArray db = Nd4j.zeros(DataType.DOUBLE, OUT, R);
            INDArray x = random(rng, N, IN);
            INDArray w = random(rng, IN, OUT);
            INDArray g = random(rng, N, OUT);
            LoraLinear lora = new LoraLinear(a, b, da, db, 16.0 / R, dropout, new Nd4jKernels(), N);

            INDArray dx = Nd4j.zeros(DataType.DOUBLE, N, IN);
            INDArray y = x.mmul(w);
            lora.forward(y, x, true, 42, 3);
            lora.backward(dx, g, x, true, 42, 3);
            // the base layer's own share of dx is G W^T; the adapter adds to what is there
            INDArray expectedDx = numeric(x, () -> loss(lora, x, w, g, true)).sub(g.mmul(w.transpose()));

            assertClose(numeric(a, () -> loss(lora, x, w, g, true)), da, "dA, dropout " + dropout);
            assertClose(numeric(b, () -> loss(lora, x, w, g, true)), db, "dB, dropout " + dropout);
            assertClose(expectedDx, dx, "dx, dropout " + dropout);
        }
    }

    static INDArray numeric(INDArray p, java.util.function.DoubleSupplier f) {
        INDArray grad = Nd4j.zeros(DataType.DOUBLE, p.shape());
        double eps = 1e-6;
        for (long i = 0; i < p.length(); i++) {
            double v = p.getDouble(i);
            p.putScalar(i, v + eps);
            double up = f.getAsDouble();
            p.putScalar(i, v - eps);
            double down = f.getAsDouble();
            p.putScalar(i, v);
            grad.putScalar(i, (up - down) / (2 * eps));
        }
        return grad;
    }

    static void assertClose(INDArray expected, INDArray actual, String what) {
        double maxRel = 0;
        for (long i = 0; i < expected.length(); i++) {
            double e = expected.getDouble(i);
            double a = actual.getDouble(i);
            // relative error, with a floor of 1 so that entries that are exactly 0 (dropped inputs) compare
            // by the finite difference's absolute noise (~1e-9) instead of dividing by nothing
            maxRel = Math.max(maxRel, Math.abs(e - a) / Math.max(1.0, Math.abs(e) + Math.abs(a)));
        }
        assertTrue(maxRel < 1e-6, what + ": max relative error " + maxRel);
    }

    @Test
    void zeroBLeavesTheBaseOutputAndMergedEqualsUnmerged() {
        SplittableRandom rng = new SplittableRandom(11);
        INDArray a = random(rng, R, IN);
        INDArray b = Nd4j.zeros(DataType.DOUBLE, OUT, R);
        INDArray x = random(rng, N, IN);
        INDArray w = random(rng, IN, OUT);
        LoraLinear lora = new LoraLinear(a, b, Nd4j.zeros(DataType.DOUBLE, R, IN), Nd4j.zeros(DataType.DOUBLE, OUT, R),
                2.0, 0.1, new Nd4jKernels(), N);
        INDArray y = x.mmul(w);
        lora.forward(y, x, true, 1, 1);
        assertEquals(0.0, y.sub(x.mmul(w)).amaxNumber().doubleValue(), 0.0, "B = 0: the adapter adds nothing");

        b.assign(random(rng, OUT, R));
        INDArray unmerged = x.mmul(w);
        lora.forward(unmerged, x, false, 1, 1);
        INDArray merged = w.dup();
        lora.mergeInto(merged);
        double diff = x.mmul(merged).sub(unmerged).amaxNumber().doubleValue();
        assertTrue(diff < 1e-12, "merged and unmerged outputs differ by " + diff);
        // the naive reference for the merge: W + scale * (B A)^T
        INDArray naive = w.add(b.mmul(a).transpose().mul(2.0));
        assertTrue(naive.sub(merged).amaxNumber().doubleValue() < 1e-12);
    }
}
