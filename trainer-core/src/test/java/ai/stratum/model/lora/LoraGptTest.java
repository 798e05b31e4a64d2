package ai.stratum.model.lora;

import ai.stratum.model.Gpt;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.kernels.Nd4jKernels;
import ai.stratum.model.TensorSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LoRA inside the full model: identity at init, merge equivalence, gradients, and the frozen base. */
class LoraGptTest {

    static final ModelConfig TINY = ModelConfig.gpt2(13, 8, 2, 2, 8, 0.1);
    static final List<String> ALL = List.of("c_attn", "c_proj", "c_fc");
    static final int B = 2;
    static final int T = 6;

    static int[] ids(long seed, int bound) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] out = new int[B * T];
        for (int i = 0; i < out.length; i++) {
            out[i] = rng.nextInt(bound);
        }
        return out;
    }

    static Gpt model(DataType dtype) {
        Gpt gpt = new Gpt(TINY, B, T, dtype, new Nd4jKernels());
        gpt.initWeights(3);
        return gpt;
    }

    static void randomizeB(LoraAdapters a, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (TensorSpec t : a.layout().tensors()) {
            if (t.name().endsWith("lora_B.weight")) {
                for (long i = t.offset(); i < t.end(); i++) {
                    a.params().putScalar(i, rng.nextDouble(-0.5, 0.5));
                }
            }
        }
    }

    @Test
    void zeroBGivesExactlyTheBaseModel() {
        try (Gpt gpt = model(DataType.FLOAT)) {
            int[] tokens = ids(1, 13);
            int[] targets = ids(2, 13);
            float base = gpt.forward(tokens, targets, B, T, false, 0);
            INDArray baseLogits = gpt.logits().dup();
            LoraAdapters lora = new LoraAdapters(new LoraConfig(4, 8, 0.0, ALL), gpt.layout(), DataType.FLOAT,
                    new Nd4jKernels(), B * T);
            lora.init(9);
            gpt.attachAdapters(lora, true);
            assertEquals(base, gpt.forward(tokens, targets, B, T, false, 0), 0.0f);
            assertEquals(0.0, gpt.logits().sub(baseLogits).amaxNumber().doubleValue(), 0.0);
        }
    }

    @Test
    void mergedAndUnmergedModelsAgree() {
        try (Gpt adapted = model(DataType.FLOAT); Gpt merged = model(DataType.FLOAT)) {
            LoraAdapters lora = new LoraAdapters(new LoraConfig(4, 8, 0.0, ALL), adapted.layout(), DataType.FLOAT,
                    new Nd4jKernels(), B * T);
            lora.init(9);
            randomizeB(lora, 10);
            adapted.attachAdapters(lora, true);
            lora.mergeInto(merged::param);
            int[] tokens = ids(1, 13);
            adapted.forward(tokens, null, B, T, false, 0);
            merged.forward(tokens, null, B, T, false, 0);
            double diff = adapted.logits().sub(merged.logits()).amaxNumber().doubleValue();
            double scale = merged.logits().amaxNumber().doubleValue();
            assertTrue(diff < 1e-5 * Math.max(1, scale), "merged vs unmerged logits differ by " + diff);
            INDArray base = model(DataType.FLOAT).param("h.0.attn.c_attn.weight");
            assertTrue(merged.param("h.0.attn.c_attn.weight").sub(base).amaxNumber().doubleValue() > 1e-3,
                    "the merge changed the base weight");
        }
    }

    @Test
    void kvCachedDecodingUsesTheUnmergedAdapter() {
        try (Gpt gpt = new Gpt(TINY, 1, T, DataType.FLOAT, new Nd4jKernels())) {
            gpt.initWeights(3);
            LoraAdapters lora = new LoraAdapters(new LoraConfig(4, 8, 0.0, ALL), gpt.layout(), DataType.FLOAT,
                    new Nd4jKernels(), T);
            lora.init(9);
            randomizeB(lora, 10);
            gpt.attachAdapters(lora, true);
            int[] tokens = java.util.Arrays.copyOf(ids(4, 13), T);
            gpt.forward(tokens, null, 1, T, false, 0);
            INDArray full = gpt.logits().dup();
            try (var session = gpt.newSession(T)) {
                for (int t = 0; t < T; t++) {
                    float[] step = session.append(tokens[t]);
                    for (int v = 0; v < step.length; v++) {
                        assertEquals(full.getDouble(0, t, v), step[v], 1e-4, "position " + t + ", token " + v);
                    }
                }
            }
        }
    }

    @Test
    void adapterGradientsMatchFiniteDifferencesWithDropoutAndAFrozenBase() {
        try (Gpt gpt = model(DataType.DOUBLE)) {
            LoraAdapters lora = new LoraAdapters(new LoraConfig(2, 4, 0.2, ALL), gpt.layout(), DataType.DOUBLE,
                    new Nd4jKernels(), B * T);
            lora.init(9);
            randomizeB(lora, 10);
            gpt.attachAdapters(lora, true);
            int[] tokens = ids(1, 13);
            int[] targets = ids(2, 13);
            targets[3] = -1;
            long seed = 77;
            lora.grads().assign(0);
            gpt.zeroGrads();
            gpt.forward(tokens, targets, B, T, true, seed);
            gpt.backward(1f);
            INDArray params = lora.params();
            double eps = 1e-5;
            double maxRel = 0;
            for (long i = 0; i < params.length(); i++) {
                double v = params.getDouble(i);
                params.putScalar(i, v + eps);
                double up = loss(gpt, tokens, targets, seed);
                params.putScalar(i, v - eps);
                double down = loss(gpt, tokens, targets, seed);
                params.putScalar(i, v);
                double numeric = (up - down) / (2 * eps);
                double analytic = lora.grads().getDouble(i);
                maxRel = Math.max(maxRel, Math.abs(numeric - analytic) / Math.max(1e-6, Math.abs(numeric) + Math.abs(analytic)));
            }
            assertTrue(maxRel < 1e-5, "max relative error of the adapter gradients: " + maxRel);
            assertEquals(0.0, gpt.grad("h.1.mlp.c_fc.weight").amaxNumber().doubleValue(), 0.0,
                    "a frozen base computes no weight gradients");
            assertEquals(0.0, gpt.grad("wte.weight").amaxNumber().doubleValue(), 0.0);
        }
    }

    /** The mean masked cross-entropy in double from the logits (forward itself returns a float). */
    static double loss(Gpt gpt, int[] tokens, int[] targets, long seed) {
        gpt.forward(tokens, null, B, T, true, seed);
        double[] z = gpt.logits().dup('c').data().asDouble();
        int v = TINY.vocabSize();
        double sum = 0;
        int count = 0;
        for (int n = 0; n < targets.length; n++) {
            if (targets[n] < 0) {
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) {
                max = Math.max(max, z[n * v + j]);
            }
            double s = 0;
            for (int j = 0; j < v; j++) {
                s += Math.exp(z[n * v + j] - max);
            }
            sum += max + Math.log(s) - z[n * v + targets[n]];
            count++;
        }
        return sum / count;
    }

    @Test
    void freezingTheBaseDoesNotChangeTheAdapterGradients() {
        INDArray[] grads = new INDArray[2];
        for (int frozen = 0; frozen < 2; frozen++) {
            try (Gpt gpt = model(DataType.DOUBLE)) {
                LoraAdapters lora = new LoraAdapters(new LoraConfig(2, 4, 0.0, ALL), gpt.layout(), DataType.DOUBLE,
                        new Nd4jKernels(), B * T);
                lora.init(9);
                randomizeB(lora, 10);
                gpt.attachAdapters(lora, frozen == 1);
                gpt.forward(ids(1, 13), ids(2, 13), B, T, true, 5);
                gpt.backward(1f);
                grads[frozen] = lora.grads().dup();
            }
        }
        assertEquals(0.0, grads[0].sub(grads[1]).amaxNumber().doubleValue(), 1e-12);
        assertTrue(grads[0].amaxNumber().doubleValue() > 0);
    }
}
