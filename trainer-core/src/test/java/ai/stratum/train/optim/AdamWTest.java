package ai.stratum.train.optim;

import ai.stratum.train.TrainableSet;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import ai.stratum.model.TensorSpec;
import ai.stratum.model.kernels.CpuKernels;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.kernels.NaiveKernels;
import ai.stratum.model.kernels.Nd4jKernels;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdamWTest {

    private static final ParameterLayout LAYOUT = ParameterLayout.decoder(ModelConfig.gpt2(11, 5, 2, 2, 4, 0.0));
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
        checkAgainstNaive(filter, dtype, new CpuKernels(), tol);
    }

    private void checkAgainstNaive(Predicate<String> filter, DataType dtype, Kernels kernels, double tol) {
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
        AdamW adam = new AdamW(OPTIM, set, params, grads, kernels);
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
    void theNd4jPathMatchesTheNaiveReferenceInSinglePrecision() {
        checkAgainstNaive(name -> true, DataType.FLOAT, new Nd4jKernels(), 2e-6);
    }

    @Test
    void theNaiveKernelsMatchTheNaiveReferenceInDoublePrecision() {
        checkAgainstNaive(name -> name.startsWith("layers.0.") || name.equals("tok_embeddings.weight"), DataType.DOUBLE,
                new NaiveKernels(), 1e-12);
    }

    @Test
    void theFusedPathUpdatesOnlyTheTrainableTensors() {
        checkAgainstNaive(name -> name.startsWith("layers.1.") || name.equals("pos_embeddings.weight"), DataType.FLOAT, 2e-6);
    }

    /**
     * The fused path and the ND4J path on a model large enough for several chunks per core: same float operations
     * in the same order, so they agree to float rounding (ND4J's native loops may contract a*b+c into one
     * rounding, and its norm sums in float, so the clip scale differs in the 7th digit: hence tolerances at float
     * rounding of the values, not bit equality).
     */
    @Test
    void theFusedAndNd4jPathsAgreeOverManyChunks() {
        ParameterLayout layout = ParameterLayout.decoder(ModelConfig.gpt2(997, 64, 2, 4, 64, 0.0));
        int n = (int) layout.size();
        SplittableRandom rng = new SplittableRandom(11);
        double[] p0 = random(rng, n, 1.0);
        INDArray fusedParams = Nd4j.createFromArray(p0).castTo(DataType.FLOAT);
        INDArray nd4jParams = fusedParams.dup();
        INDArray fusedGrads = Nd4j.zeros(DataType.FLOAT, n);
        INDArray nd4jGrads = Nd4j.zeros(DataType.FLOAT, n);
        assertTrue(layout.size() > 4 * 32768, "several chunks: " + layout.size());
        TrainableSet set = TrainableSet.all(layout);
        AdamW fused = new AdamW(OPTIM, set, fusedParams, fusedGrads, new CpuKernels());
        AdamW nd4j = new AdamW(OPTIM, set, nd4jParams, nd4jGrads, new Nd4jKernels());
        for (double lr : new double[] {1e-2, 5e-3, 2e-2}) {
            INDArray g = Nd4j.createFromArray(random(rng, n, 0.5)).castTo(DataType.FLOAT);
            fusedGrads.assign(g);
            nd4jGrads.assign(g);
            double exactNorm = Math.sqrt(java.util.Arrays.stream(g.toDoubleVector()).map(x -> x * x).sum());
            double fusedNorm = fused.clipGradients();
            double nd4jNorm = nd4j.clipGradients();
            // the fused sum of squares is in double (float squares are exact there); ND4J's norm2 sums in float
            assertEquals(exactNorm, fusedNorm, 1e-12 * exactNorm);
            assertEquals(exactNorm, nd4jNorm, 1e-5 * exactNorm);
            assertTrue(fusedNorm > OPTIM.gradClip(), "the gradients are clipped: norm " + fusedNorm);
            assertEquals(OPTIM.gradClip(), fused.gradNorm(), 1e-5);
            assertClose(nd4jGrads.toDoubleVector(), fusedGrads.toDoubleVector(), 1e-7);
            fused.step(lr);
            nd4j.step(lr);
        }
        assertClose(nd4jParams.toDoubleVector(), fusedParams.toDoubleVector(), 1e-6);
        assertClose(nd4j.m().toDoubleVector(), fused.m().toDoubleVector(), 1e-7);
        assertClose(nd4j.v().toDoubleVector(), fused.v().toDoubleVector(), 1e-8);
    }

    @Test
    void updatesOnlyTheTrainableTensorsAndKeepsStateForThemAlone() {
        Predicate<String> filter = name -> name.startsWith("layers.1.") || name.equals("pos_embeddings.weight");
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
        Predicate<String> filter = name -> !name.startsWith("layers.0.");
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
        TensorSpec frozen = LAYOUT.get("layers.0.attn.qkv.weight");
        assertEquals(g[(int) frozen.offset()], grads.getDouble(frozen.offset()), 0);
    }
}
