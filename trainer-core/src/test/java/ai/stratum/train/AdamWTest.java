package ai.stratum.train;

import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import ai.stratum.model.TensorSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdamWTest {

    private static final ParameterLayout LAYOUT = ParameterLayout.gpt2(new ModelConfig(11, 5, 2, 2, 4, 0.0));
    private static final OptimConfig OPTIM = new OptimConfig(1e-2, 1e-3, 0, 0.1, 0.9, 0.95, 1e-8, 1.0);

    /** The textbook per-element AdamW, in double, on plain arrays. */
    private static final class NaiveAdamW {
        final double[] m;
        final double[] v;
        int t;

        NaiveAdamW(int n) {
            m = new double[n];
            v = new double[n];
        }

        void step(double[] p, double[] g, boolean[] trainable, boolean[] decays, OptimConfig c, double lr) {
            t++;
            for (int i = 0; i < p.length; i++) {
                if (!trainable[i]) {
                    continue;
                }
                if (decays[i]) {
                    p[i] -= lr * c.weightDecay() * p[i];
                }
                m[i] = c.beta1() * m[i] + (1 - c.beta1()) * g[i];
                v[i] = c.beta2() * v[i] + (1 - c.beta2()) * g[i] * g[i];
                double mHat = m[i] / (1 - Math.pow(c.beta1(), t));
                double vHat = v[i] / (1 - Math.pow(c.beta2(), t));
                p[i] -= lr * mHat / (Math.sqrt(vHat) + c.eps());
            }
        }
    }

    private static double[] random(SplittableRandom rng, int n, double scale) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = (rng.nextDouble() * 2 - 1) * scale;
        }
        return a;
    }

    private static void assertClose(double[] expected, double[] actual, double tol) {
        double maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(maxDiff <= tol, "max abs difference " + maxDiff + " > " + tol);
    }

    private void checkAgainstNaive(Predicate<String> filter, DataType dtype, double tol) {
        int n = (int) LAYOUT.size();
        SplittableRandom rng = new SplittableRandom(7);
        double[] p = random(rng, n, 1.0);
        boolean[] trainable = new boolean[n];
        boolean[] decays = new boolean[n];
        for (TensorSpec t : LAYOUT.tensors()) {
            for (long i = t.offset(); i < t.end(); i++) {
                trainable[(int) i] = filter.test(t.name());
                decays[(int) i] = t.decays();
            }
        }
        INDArray params = Nd4j.createFromArray(p).castTo(dtype);
        INDArray grads = Nd4j.zeros(dtype, n);
        TrainableSet set = new TrainableSet(LAYOUT, filter);
        AdamW adam = new AdamW(OPTIM, set, params, grads);
        NaiveAdamW naive = new NaiveAdamW(n);
        double[] lrs = {1e-2, 5e-3, 2e-2};
        for (double lr : lrs) {
            double[] g = random(rng, n, 0.5);
            grads.assign(Nd4j.createFromArray(g).castTo(dtype));
            adam.step(lr);
            naive.step(p, g, trainable, decays, OPTIM, lr);
        }
        assertClose(p, params.toDoubleVector(), tol);
        assertEquals(3, adam.stepsTaken());
        assertEquals(set.size(), adam.m().length());
        double[] packedM = new double[(int) set.size()];
        for (TensorSpec t : set.tensors()) {
            long dst = set.stateLayout().get(t.name()).offset();
            System.arraycopy(naive.m, (int) t.offset(), packedM, (int) dst, (int) t.length());
        }
        assertClose(packedM, adam.m().toDoubleVector(), tol);
    }

    @Test
    void matchesTheNaiveReferenceInDoublePrecision() {
        checkAgainstNaive(name -> true, DataType.DOUBLE, 1e-12);
    }

    @Test
    void matchesTheNaiveReferenceInSinglePrecision() {
        checkAgainstNaive(name -> true, DataType.FLOAT, 2e-6);
    }

    @Test
    void updatesOnlyTheTrainableTensorsAndKeepsStateForThemAlone() {
        Predicate<String> filter = name -> name.startsWith("h.1.") || name.equals("wpe.weight");
        checkAgainstNaive(filter, DataType.DOUBLE, 1e-12);
        TrainableSet set = new TrainableSet(LAYOUT, filter);
        long expected = LAYOUT.select(filter).stream().mapToLong(TensorSpec::length).sum();
        assertEquals(expected, set.size());
        assertTrue(set.size() < LAYOUT.size() / 2, "state covers " + set.size() + " of " + LAYOUT.size());
    }

    @Test
    void decaysOnlyMatricesAndEmbeddings() {
        TrainableSet set = TrainableSet.all(LAYOUT);
        long matrices = LAYOUT.tensors().stream().filter(t -> t.shape().length >= 2).mapToLong(TensorSpec::length).sum();
        assertEquals(matrices, set.decayedSize());
        assertTrue(set.describe().contains(String.format("weight decay on %d tensors", 2 + 2 * 4)), set.describe());
    }

    @Test
    void clipsTheGlobalNormOfTrainableGradientsOnly() {
        int n = (int) LAYOUT.size();
        INDArray params = Nd4j.zeros(DataType.DOUBLE, n);
        double[] g = random(new SplittableRandom(3), n, 2.0);
        INDArray grads = Nd4j.createFromArray(g);
        Predicate<String> filter = name -> !name.startsWith("h.0.");
        TrainableSet set = new TrainableSet(LAYOUT, filter);
        double sumSquares = 0;
        for (TensorSpec t : set.tensors()) {
            for (long i = t.offset(); i < t.end(); i++) {
                sumSquares += g[(int) i] * g[(int) i];
            }
        }
        AdamW adam = new AdamW(OPTIM, set, params, grads);
        double before = adam.clipGradients();
        assertEquals(Math.sqrt(sumSquares), before, 1e-9);
        assertEquals(OPTIM.gradClip(), adam.gradNorm(), 1e-5);
        TensorSpec frozen = LAYOUT.get("h.0.attn.c_attn.weight");
        assertEquals(g[(int) frozen.offset()], grads.getDouble(frozen.offset()), 0);
    }
}
