package ai.stratum.model;

import ai.stratum.model.kernels.CpuKernels;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.kernels.NaiveKernels;
import ai.stratum.model.kernels.Nd4jKernels;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static ai.stratum.model.TestArrays.randomInts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The decoder's forward and backward for every family: finite differences, masking, packing, dropout, init. */
class DecoderTest {

    private static final ModelConfig TINY = ModelConfig.gpt2(13, 8, 2, 2, 8, 0.0);
    private static final ModelConfig TINY_DROPOUT = ModelConfig.gpt2(13, 8, 2, 2, 8, 0.2);
    /** Llama: GQA (4 query heads on 2 kv heads), llama3 RoPE scaling, untied head. */
    private static final ModelConfig LLAMA = new ModelConfig(13, 8, 2, 4, 2, 4, 16, 12, ModelConfig.Norm.RMS_NORM, 1e-5,
            ModelConfig.Positions.ROPE, 10000.0, new ModelConfig.RopeScaling("llama3", 8, 1, 4, 16), false, false, false,
            ModelConfig.Mlp.SWIGLU, false, false, false, 0, 0.0);
    /** Qwen3: q/k norm, head_dim 6 != 16 / 4, qkv bias (Qwen2's) and MQA, tied. */
    private static final ModelConfig QWEN = new ModelConfig(13, 8, 2, 4, 1, 6, 16, 12, ModelConfig.Norm.RMS_NORM, 1e-6,
            ModelConfig.Positions.ROPE, 1e6, null, true, false, true, ModelConfig.Mlp.SWIGLU, false, true, false, 0,
            0.0);
    /** Mistral: sliding window 3, linear RoPE scaling, dropout; GPT-2 with its layer-index attention scaling. */
    private static final ModelConfig MISTRAL_DROPOUT = new ModelConfig(13, 8, 2, 4, 2, 4, 16, 12,
            ModelConfig.Norm.RMS_NORM, 1e-5, ModelConfig.Positions.ROPE, 1e6, ModelConfig.RopeScaling.linear(2), false,
            false, false, ModelConfig.Mlp.SWIGLU, false, false, false, 3, 0.2);
    private static final ModelConfig GPT2_SCALED = new ModelConfig(13, 8, 2, 2, 2, 4, 8, 32,
            ModelConfig.Norm.LAYER_NORM, 1e-3, ModelConfig.Positions.LEARNED, 10000, null, true, true, false,
            ModelConfig.Mlp.GELU_TANH, true, true, true, 0, 0.0);

    /** Parameters of a healthy size (not GPT-2's 0.02) so every gradient is well above finite-difference noise. */
    private static void randomize(Decoder gpt, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (TensorSpec t : gpt.layout().tensors()) {
            double[] v = new double[(int) t.length()];
            boolean norm = t.name().endsWith("norm.weight");
            for (int i = 0; i < v.length; i++) {
                v[i] = (norm ? 1.0 : 0.0) + 0.4 * (2 * rng.nextDouble() - 1);
            }
            gpt.param(t.name()).assign(Nd4j.createFromArray(v).reshape(t.shape()).castTo(gpt.dataType()));
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesForEveryTensor() {
        for (ModelConfig c : List.of(TINY, GPT2_SCALED, LLAMA, QWEN)) {
            gradientCheck(c, null, false);
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesWithDropoutSegmentsAndMaskedTargets() {
        for (ModelConfig c : List.of(TINY_DROPOUT, MISTRAL_DROPOUT)) {
            gradientCheck(c, new int[] {0, 0, 0, 1, 1, 1, 1, 5, 5, 5, 5, 5, 6, 6}, true);
        }
    }

    private static void gradientCheck(ModelConfig config, int[] segments, boolean training) {
        int b = 2;
        int t = 7;
        try (Decoder gpt = new Decoder(config, b, t, DataType.DOUBLE, new Nd4jKernels())) {
            randomize(gpt, 1);
            int[] tokens = randomInts(2, b * t, config.vocabSize());
            int[] targets = randomInts(3, b * t, config.vocabSize());
            targets[2] = -1;
            targets[9] = -1;
            long seed = 1234;
            gpt.zeroGrads();
            gpt.forward(tokens, targets, b, t, training, seed, segments);
            gpt.backward(1.0f);
            INDArray analytic = gpt.grads().dup();
            SplittableRandom pick = new SplittableRandom(4);
            INDArray params = gpt.params();
            double eps = 1e-5;
            List<String> report = new ArrayList<>();
            double worstOverall = 0;
            for (TensorSpec spec : gpt.layout().tensors()) {
                double worst = 0;
                int checks = (int) Math.min(spec.length(), 8);
                for (int c = 0; c < checks; c++) {
                    long i = spec.offset() + (checks == spec.length() ? c : pick.nextLong(spec.length()));
                    double orig = params.getDouble(i);
                    // forward returns a float: the loss is recomputed in double from the logits instead
                    double numeric = (lossOf(gpt, tokens, targets, b, t, training, seed, segments, orig + eps, i)
                            - lossOf(gpt, tokens, targets, b, t, training, seed, segments, orig - eps, i)) / (2 * eps);
                    double a = analytic.getDouble(i);
                    // the floor covers gradients that are exactly 0 (the key bias: softmax ignores a constant shift)
                    double err = Math.abs(a - numeric) / Math.max(Math.abs(a) + Math.abs(numeric), 1e-4);
                    worst = Math.max(worst, err);
                }
                report.add(spec.name() + "=" + String.format("%.1e", worst));
                worstOverall = Math.max(worstOverall, worst);
            }
            assertTrue(worstOverall < 1e-5, config + ": max relative error vs finite differences per tensor: " + report);
        }
    }

    /** The mean masked cross-entropy in double, from the logits of a forward with params[i] = value. */
    private static double lossOf(Decoder gpt, int[] tokens, int[] targets, int b, int t, boolean training, long seed,
                                 int[] segments, double value, long i) {
        double orig = gpt.params().getDouble(i);
        gpt.params().putScalar(i, value);
        gpt.forward(tokens, null, b, t, training, seed, segments);
        gpt.params().putScalar(i, orig);
        return meanCrossEntropy(gpt.logits(), targets);
    }

    private static double meanCrossEntropy(INDArray logits3, int[] targets) {
        long v = logits3.size(2);
        double[] z = logits3.dup('c').data().asDouble();
        double sum = 0;
        int count = 0;
        for (int n = 0; n < targets.length; n++) {
            if (targets[n] < 0) {
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) {
                max = Math.max(max, z[(int) (n * v + j)]);
            }
            double s = 0;
            for (int j = 0; j < v; j++) {
                s += Math.exp(z[(int) (n * v + j)] - max);
            }
            sum += Math.log(s) + max - z[(int) (n * v + targets[n])];
            count++;
        }
        return sum / count;
    }

    /** logitsAt re-projects one position from the final norm: the same numbers as that row of logits(). */
    @Test
    void logitsAtEqualsTheRowOfTheLastForwardsLogits() {
        ModelConfig config = ModelConfig.llama(64, 16, 2, 4, 2, 32, 48, 1e-5, 10000, false);
        try (Decoder d = new Decoder(config, 2, 8, DataType.FLOAT, Kernels.forCurrentBackend(), false)) {
            d.initWeights(4);
            int[] tokens = randomInts(2, 2 * 7, 64);
            d.forward(tokens, null, 2, 7, false, 0L);
            INDArray logits = d.logits(); // (2, 7, V)
            for (int[] at : new int[][] {{0, 0}, {0, 6}, {1, 3}, {1, 6}}) {
                float[] want = logits.get(org.nd4j.linalg.indexing.NDArrayIndex.point(at[0]),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(at[1])).toFloatVector();
                float[] got = d.logitsAt(at[0], at[1]);
                assertEquals(config.vocabSize(), got.length);
                for (int v = 0; v < want.length; v++) {
                    assertEquals(want[v], got[v], 1e-5, "(" + at[0] + ", " + at[1] + ") token " + v);
                }
            }
            assertThrows(IllegalArgumentException.class, () -> d.logitsAt(2, 0));
            assertThrows(IllegalArgumentException.class, () -> d.logitsAt(0, 7));
        }
    }

    @Test
    void lossAtInitializationIsCloseToLogVocab() {
        ModelConfig config = ModelConfig.gpt2(256, 32, 2, 4, 64, 0.0);
        try (Decoder gpt = new Decoder(config, 4, 32, DataType.FLOAT, new Nd4jKernels())) {
            gpt.initWeights(7);
            float loss = gpt.forward(randomInts(8, 128, 256), randomInts(9, 128, 256), 4, 32, false, 0);
            assertEquals(Math.log(256), loss, 0.05, "loss at init");
        }
    }

    @Test
    void initializationFollowsGpt2() {
        try (Decoder gpt = new Decoder(ModelConfig.gpt2(512, 64, 4, 4, 64, 0.0), 1, 8, DataType.FLOAT, new Nd4jKernels())) {
            gpt.initWeights(3);
            assertEquals(0.02, gpt.param("tok_embeddings.weight").stdNumber().doubleValue(), 0.001, "wte std");
            assertEquals(0.02 / Math.sqrt(8), gpt.param("layers.1.mlp.proj.weight").stdNumber().doubleValue(), 0.0005,
                    "residual projection std");
            assertEquals(1.0, gpt.param("layers.3.mlp_norm.weight").minNumber().doubleValue(), 0.0);
            assertEquals(0.0, gpt.param("layers.0.attn.qkv.bias").amaxNumber().doubleValue(), 0.0);
            INDArray first = gpt.params().dup();
            gpt.initWeights(3);
            assertEquals(first, gpt.params(), "same seed, same weights");
        }
    }

    @Test
    void initializationOfALlamaScalesItsResidualProjectionsAndSetsNormsToOne() {
        ModelConfig llama = ModelConfig.llama(512, 64, 4, 4, 2, 64, 96, 1e-5, 10000, false);
        try (Decoder gpt = new Decoder(llama, 1, 8, DataType.FLOAT, new Nd4jKernels())) {
            gpt.initWeights(3);
            assertEquals(0.02, gpt.param("lm_head.weight").stdNumber().doubleValue(), 0.001, "head std");
            assertEquals(0.02, gpt.param("layers.2.mlp.fc.weight").stdNumber().doubleValue(), 0.001, "fc std");
            assertEquals(0.02 / Math.sqrt(8), gpt.param("layers.1.attn.proj.weight").stdNumber().doubleValue(), 0.0005,
                    "residual projection std");
            assertEquals(1.0, gpt.param("norm.weight").minNumber().doubleValue(), 0.0);
            assertEquals(1.0, gpt.param("layers.0.attn_norm.weight").maxNumber().doubleValue(), 0.0);
        }
    }

    @Test
    void tinyLlamaOverfitsAFixedBatch() {
        overfit(ModelConfig.llama(32, 16, 2, 4, 2, 32, 48, 1e-5, 10000, true));
    }

    @Test
    void tinyModelOverfitsAFixedBatch() {
        overfit(ModelConfig.gpt2(32, 16, 2, 2, 32, 0.0));
    }

    private static void overfit(ModelConfig config) {
        int b = 4;
        int t = 16;
        try (Decoder gpt = new Decoder(config, b, t, DataType.FLOAT, Kernels.forCurrentBackend())) {
            gpt.initWeights(11);
            int[] tokens = randomInts(12, b * t, 32);
            int[] targets = randomInts(13, b * t, 32);
            INDArray m = gpt.params().ulike();
            INDArray v = gpt.params().ulike();
            float first = 0;
            float last = 0;
            for (int step = 1; step <= 150; step++) {
                gpt.zeroGrads();
                last = gpt.forward(tokens, targets, b, t, true, step);
                if (step == 1) {
                    first = last;
                }
                gpt.backward(1f);
                adam(gpt.params(), gpt.grads(), m, v, step, 1e-2);
            }
            assertEquals(Math.log(32), first, 0.1, "initial loss");
            assertTrue(last < 0.1, "loss after 150 Adam steps on one batch: " + last);
        }
    }

    /** A minimal Adam step (no weight decay) on the flat buffers. */
    private static void adam(INDArray p, INDArray g, INDArray m, INDArray v, int step, double lr) {
        m.muli(0.9).addi(g.mul(0.1));
        v.muli(0.999).addi(g.mul(g).muli(0.001));
        INDArray mhat = m.div(1 - Math.pow(0.9, step));
        INDArray vhat = v.div(1 - Math.pow(0.999, step));
        p.subi(mhat.divi(Transforms.sqrt(vhat, false).addi(1e-8)).muli(lr));
    }

    @Test
    void maskedTargetsAreExcluded() {
        int b = 2;
        int t = 6;
        try (Decoder gpt = new Decoder(TINY, b, t, DataType.DOUBLE, new Nd4jKernels())) {
            randomize(gpt, 21);
            int[] tokens = randomInts(22, b * t, 13);
            int[] targets = randomInts(23, b * t, 13);
            for (int i : new int[] {0, 1, 2, 6, 7}) {
                targets[i] = -1;
            }
            gpt.zeroGrads();
            float loss = gpt.forward(tokens, targets, b, t, false, 0);
            assertEquals(meanCrossEntropy(gpt.logits(), targets), loss, 1e-6, "mean over unmasked positions only");
            gpt.backward(1f);
            INDArray g1 = gpt.grads().dup();
            // a masked position's target has no effect on loss or gradients
            int[] other = targets.clone();
            other[1] = -100;
            other[7] = -5;
            gpt.zeroGrads();
            assertEquals(loss, gpt.forward(tokens, other, b, t, false, 0), 0.0);
            gpt.backward(1f);
            assertEquals(0.0, g1.sub(gpt.grads()).amaxNumber().doubleValue(), 0.0);
            // but an unmasked one does
            other[4] = (targets[4] + 1) % 13;
            assertTrue(Math.abs(loss - gpt.forward(tokens, other, b, t, false, 0)) > 1e-6);
        }
    }

    @Test
    void backwardAccumulatesAndScales() {
        int b = 1;
        int t = 5;
        try (Decoder gpt = new Decoder(TINY, b, t, DataType.DOUBLE, new Nd4jKernels())) {
            randomize(gpt, 31);
            int[] tokens = randomInts(32, 5, 13);
            int[] targets = randomInts(33, 5, 13);
            gpt.zeroGrads();
            gpt.forward(tokens, targets, b, t, false, 0);
            gpt.backward(1f);
            INDArray once = gpt.grads().dup();
            assertThrows(IllegalStateException.class, () -> gpt.backward(1f), "one backward per forward");
            gpt.forward(tokens, targets, b, t, false, 0);
            gpt.backward(2f);
            assertEquals(0.0, gpt.grads().sub(once.mul(3)).amaxNumber().doubleValue(), 1e-12);
        }
    }

    @Test
    void packedExamplesComputeWhatTheyComputeAlone() {
        int[] first = {3, 1, 4};
        int[] second = {1, 5, 9, 2};
        int[] packed = {3, 1, 4, 1, 5, 9, 2};
        int[] segments = {0, 0, 0, 1, 1, 1, 1};
        try (Decoder gpt = new Decoder(TINY_DROPOUT, 1, 7, DataType.DOUBLE, new Nd4jKernels())) {
            randomize(gpt, 41);
            gpt.forward(packed, null, 1, 7, false, 0, segments);
            INDArray packedLogits = gpt.logits().dup();
            gpt.forward(first, null, 1, 3, false, 0);
            INDArray a = gpt.logits().dup();
            gpt.forward(second, null, 1, 4, false, 0);
            INDArray b = gpt.logits().dup();
            INDArray expected = Nd4j.concat(1, a, b);
            assertEquals(0.0, packedLogits.sub(expected).amaxNumber().doubleValue(), 1e-12);
            // without segment ids the second example does see the first
            gpt.forward(packed, null, 1, 7, false, 0);
            assertTrue(gpt.logits().sub(expected).amaxNumber().doubleValue() > 1e-3);
        }
    }

    @Test
    void smallerBatchesReuseTheBuffersAndAgreeWithTheFullOne() {
        try (Decoder gpt = new Decoder(TINY, 3, 8, DataType.DOUBLE, new Nd4jKernels())) {
            randomize(gpt, 51);
            int[] tokens = randomInts(52, 24, 13);
            gpt.forward(tokens, null, 3, 8, false, 0);
            INDArray full = gpt.logits().dup();
            int[] row1 = java.util.Arrays.copyOfRange(tokens, 8, 16);
            gpt.forward(row1, null, 1, 8, false, 0);
            assertEquals(0.0, gpt.logits().sub(full.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 2),
                    org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all()))
                    .amaxNumber().doubleValue(), 1e-12);
        }
    }

    @Test
    void dropoutIsAPureFunctionOfTheSeedAndOffWhenNotTraining() {
        try (Decoder gpt = new Decoder(TINY_DROPOUT, 2, 8, DataType.DOUBLE, new Nd4jKernels())) {
            randomize(gpt, 61);
            int[] tokens = randomInts(62, 16, 13);
            int[] targets = randomInts(63, 16, 13);
            float a = gpt.forward(tokens, targets, 2, 8, true, 5);
            float b = gpt.forward(tokens, targets, 2, 8, true, 6);
            float a2 = gpt.forward(tokens, targets, 2, 8, true, 5);
            float eval1 = gpt.forward(tokens, targets, 2, 8, false, 5);
            float eval2 = gpt.forward(tokens, targets, 2, 8, false, 6);
            assertEquals(a, a2, 0.0);
            assertTrue(a != b, "different seeds, different masks");
            assertEquals(eval1, eval2, 0.0);
            assertTrue(eval1 != a);
        }
    }

    @Test
    void everyKernelImplementationTrainsTheSameModelWithTheSameDropoutMasks() {
        sameAcrossKernels(TINY_DROPOUT);
        sameAcrossKernels(MISTRAL_DROPOUT);
    }

    private static void sameAcrossKernels(ModelConfig config) {
        int[] tokens = randomInts(71, 16, 13);
        int[] targets = randomInts(72, 16, 13);
        float[] losses = new float[3];
        INDArray[] grads = new INDArray[3];
        Kernels[] kernels = {new NaiveKernels(), new Nd4jKernels(), new CpuKernels()};
        for (int i = 0; i < kernels.length; i++) {
            try (Decoder gpt = new Decoder(config, 2, 8, DataType.FLOAT, kernels[i])) {
                randomize(gpt, 73);
                gpt.zeroGrads();
                losses[i] = gpt.forward(tokens, targets, 2, 8, true, 99);
                gpt.backward(1f);
                grads[i] = gpt.grads().dup();
            }
        }
        for (int i = 1; i < kernels.length; i++) {
            assertEquals(losses[0], losses[i], 1e-5, kernels[i].getClass().getSimpleName() + " loss");
            TestArrays.assertClose(grads[0], grads[i], 2e-4, kernels[i].getClass().getSimpleName() + " gradients");
        }
    }

    @Test
    void badInputIsRejectedWithTheReason() {
        try (Decoder gpt = new Decoder(TINY, 2, 4, DataType.FLOAT, new Nd4jKernels())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> gpt.forward(new int[] {1, 2, 3, 13}, null, 1, 4, false, 0));
            assertTrue(e.getMessage().startsWith("tokens: id 13 at position 3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> gpt.forward(new int[10], null, 2, 5, false, 0));
            assertTrue(e.getMessage().startsWith("seq_len:"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> gpt.backward(1f));
        }
        assertThrows(IllegalArgumentException.class, () -> new Decoder(TINY, 1, 9, DataType.FLOAT, new Nd4jKernels()));
    }
}
