package ai.stratum.model.lora;

import ai.stratum.model.Decoder;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LoRA wrapping the decoder's linear layers, GPT-2's (whole Conv1D modules) and a Llama's (q/k/v and gate/up as row
 * slices of the fused weights): identity at init, merge equivalence, KV-cached decode, gradients, the frozen base.
 */
class LoraDecoderTest {

    static final ModelConfig GPT2 = ModelConfig.gpt2(13, 8, 2, 2, 8, 0.1);
    static final ModelConfig LLAMA = new ModelConfig(13, 8, 2, 4, 2, 2, 8, 10, ModelConfig.Norm.RMS_NORM, 1e-5,
            ModelConfig.Positions.ROPE, 10000.0, null, true, false, false, ModelConfig.Mlp.SWIGLU, false, false,
            false, 0, 0.1);
    static final List<ModelConfig> CONFIGS = List.of(GPT2, LLAMA);

    /** Every linear layer of the family, by its PEFT name. */
    static List<String> all(ModelConfig c) {
        return c == GPT2 ? List.of("c_attn", "c_proj", "c_fc") : LoraConfig.LLAMA_LINEARS;
    }
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

    /** A base with random weights; {@code frozen} builds it without gradients, as a LoRA base. */
    static Decoder model(ModelConfig c, DataType dtype, boolean frozen) {
        Decoder gpt = new Decoder(c, B, T, dtype, new Nd4jKernels(), !frozen);
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
        CONFIGS.forEach(LoraDecoderTest::zeroBGivesExactlyTheBaseModelFor);
    }

    private static void zeroBGivesExactlyTheBaseModelFor(ModelConfig c) {
        try (Decoder gpt = model(c, DataType.FLOAT, true)) {
            int[] tokens = ids(1, 13);
            int[] targets = ids(2, 13);
            float base = gpt.forward(tokens, targets, B, T, false, 0);
            INDArray baseLogits = gpt.logits().dup();
            LoraAdapters lora = new LoraAdapters(new LoraConfig(4, 8, 0.0, all(c)), gpt.config(), DataType.FLOAT, B * T);
            lora.init(9);
            lora.attach(gpt, gpt.kernels());
            assertEquals(base, gpt.forward(tokens, targets, B, T, false, 0), 0.0f);
            assertEquals(0.0, gpt.logits().sub(baseLogits).amaxNumber().doubleValue(), 0.0);
        }
    }

    @Test
    void mergedAndUnmergedModelsAgree() {
        CONFIGS.forEach(LoraDecoderTest::mergedAndUnmergedModelsAgreeFor);
    }

    private static void mergedAndUnmergedModelsAgreeFor(ModelConfig c) {
        try (Decoder adapted = model(c, DataType.FLOAT, true); Decoder merged = model(c, DataType.FLOAT, true)) {
            LoraAdapters lora = new LoraAdapters(new LoraConfig(4, 8, 0.0, all(c)), adapted.config(), DataType.FLOAT, B * T);
            lora.init(9);
            randomizeB(lora, 10);
            lora.attach(adapted, adapted.kernels());
            lora.mergeInto(merged, merged.kernels());
            int[] tokens = ids(1, 13);
            adapted.forward(tokens, null, B, T, false, 0);
            merged.forward(tokens, null, B, T, false, 0);
            double diff = adapted.logits().sub(merged.logits()).amaxNumber().doubleValue();
            double scale = merged.logits().amaxNumber().doubleValue();
            assertTrue(diff < 1e-5 * Math.max(1, scale), "merged vs unmerged logits differ by " + diff);
            INDArray base = model(c, DataType.FLOAT, true).param("layers.0.attn.qkv.weight");
            assertTrue(merged.param("layers.0.attn.qkv.weight").sub(base).amaxNumber().doubleValue() > 1e-3,
                    "the merge changed the base weight");
        }
    }

    @Test
    void kvCachedDecodingUsesTheUnmergedAdapter() {
        CONFIGS.forEach(LoraDecoderTest::kvCachedDecodingUsesTheUnmergedAdapterFor);
    }

    private static void kvCachedDecodingUsesTheUnmergedAdapterFor(ModelConfig c) {
        try (Decoder gpt = new Decoder(c, 1, T, DataType.FLOAT, new Nd4jKernels(), false)) {
            gpt.initWeights(3);
            LoraAdapters lora = new LoraAdapters(new LoraConfig(4, 8, 0.0, all(c)), gpt.config(), DataType.FLOAT, T);
            lora.init(9);
            randomizeB(lora, 10);
            lora.attach(gpt, gpt.kernels());
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
        CONFIGS.forEach(LoraDecoderTest::adapterGradientsMatchFiniteDifferencesWithDropoutAndAFrozenBaseFor);
    }

    private static void adapterGradientsMatchFiniteDifferencesWithDropoutAndAFrozenBaseFor(ModelConfig c) {
        try (Decoder gpt = model(c, DataType.DOUBLE, true)) {
            LoraAdapters lora = new LoraAdapters(new LoraConfig(2, 4, 0.2, all(c)), gpt.config(), DataType.DOUBLE, B * T);
            lora.init(9);
            randomizeB(lora, 10);
            lora.attach(gpt, gpt.kernels());
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
            // 6 seeded elements of every adapter tensor (each A and B of each site)
            SplittableRandom pick = new SplittableRandom(11);
            java.util.List<Long> indices = new java.util.ArrayList<>();
            for (TensorSpec t : lora.layout().tensors()) {
                for (int k = 0; k < Math.min(6, t.length()); k++) {
                    indices.add(t.offset() + pick.nextLong(t.length()));
                }
            }
            for (long i : indices) {
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
            assertTrue(maxRel < 1e-5, c + ": max relative error of the adapter gradients: " + maxRel);
            assertFalse(gpt.hasGradients(), "a frozen base has no gradient buffer at all");
        }
    }

    /** The mean masked cross-entropy in double from the logits (forward itself returns a float). */
    static double loss(Decoder gpt, int[] tokens, int[] targets, long seed) {
        gpt.forward(tokens, null, B, T, true, seed);
        double[] z = gpt.logits().dup('c').data().asDouble();
        int v = gpt.config().vocabSize();
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
        CONFIGS.forEach(LoraDecoderTest::freezingTheBaseDoesNotChangeTheAdapterGradientsFor);
    }

    private static void freezingTheBaseDoesNotChangeTheAdapterGradientsFor(ModelConfig c) {
        INDArray[] grads = new INDArray[2];
        for (int frozen = 0; frozen < 2; frozen++) {
            try (Decoder gpt = model(c, DataType.DOUBLE, frozen == 1)) {
                LoraAdapters lora = new LoraAdapters(new LoraConfig(2, 4, 0.0, all(c)), gpt.config(), DataType.DOUBLE, B * T);
                lora.init(9);
                randomizeB(lora, 10);
                lora.attach(gpt, gpt.kernels());
                gpt.forward(ids(1, 13), ids(2, 13), B, T, true, 5);
                gpt.backward(1f);
                grads[frozen] = lora.grads().dup();
            }
        }
        assertEquals(0.0, grads[0].sub(grads[1]).amaxNumber().doubleValue(), 1e-12);
        assertTrue(grads[0].amaxNumber().doubleValue() > 0);
    }
}
