package ai.stratum.model;

import ai.stratum.model.kernels.CpuKernels;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.kernels.NaiveKernels;
import ai.stratum.model.kernels.Nd4jKernels;
import ai.stratum.generate.Generator;
import ai.stratum.generate.Sampler;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

import static ai.stratum.model.TestArrays.randomInts;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InferenceSessionTest {

    private static final ModelConfig CONFIG = ModelConfig.gpt2(23, 10, 2, 2, 8, 0.1);
    /** Qwen3-like with GQA, q/k norm, qkv bias, llama3 RoPE scaling and a sliding window shorter than the sequence. */
    private static final ModelConfig GQA = new ModelConfig(23, 10, 2, 4, 2, 6, 16, 20, ModelConfig.Norm.RMS_NORM,
            1e-6, ModelConfig.Positions.ROPE, 10000, new ModelConfig.RopeScaling("llama3", 4, 1, 4, 8), true, false,
            true, ModelConfig.Mlp.SWIGLU, false, false, false, 4, 0.0);

    private static void randomize(Decoder gpt) {
        SplittableRandom rng = new SplittableRandom(5);
        INDArray p = gpt.params();
        double[] v = new double[(int) p.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = 0.5 * (2 * rng.nextDouble() - 1);
        }
        p.assign(Nd4j.createFromArray(v).castTo(gpt.dataType()));
    }

    @Test
    void incrementalLogitsEqualTheFullForward() {
        incrementalEqualsFull(CONFIG);
    }

    @Test
    void incrementalLogitsEqualTheFullForwardWithGroupedQueryHeadsAndAWindow() {
        incrementalEqualsFull(GQA);
    }

    private static void incrementalEqualsFull(ModelConfig config) {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            for (Kernels kernels : new Kernels[] {new Nd4jKernels(), new NaiveKernels(), new CpuKernels()}) {
                try (Decoder gpt = new Decoder(config, 1, 10, type, kernels); InferenceSession s = gpt.newSession(10)) {
                    randomize(gpt);
                    int[] tokens = randomInts(6, 10, 23);
                    gpt.forward(tokens, null, 1, 10, false, 0);
                    double[] full = gpt.logits().dup('c').data().asDouble();
                    // append returns floats, so even the double model is compared at float rounding
                    double tolerance = type == DataType.DOUBLE ? 2e-7 : 1e-5;
                    for (int p = 0; p < 10; p++) {
                        float[] logits = s.append(tokens[p]);
                        assertEquals(23, logits.length);
                        for (int j = 0; j < 23; j++) {
                            assertEquals(full[p * 23 + j], logits[j], tolerance * Math.max(1, Math.abs(full[p * 23 + j])),
                                    type + " position " + p + " logit " + j);
                        }
                        assertEquals(p + 1, s.length());
                    }
                    IllegalStateException full10 = assertThrows(IllegalStateException.class, () -> s.append(1));
                    assertTrue(full10.getMessage().contains("max_tokens=10"), full10.getMessage());
                }
            }
        }
    }

    @Test
    void greedyGenerationEqualsArgmaxOfFullRecompute() {
        try (Decoder gpt = new Decoder(GQA, 1, 10, DataType.DOUBLE, new NaiveKernels())) {
            randomize(gpt);
            int[] prompt = {3, 17, 5};
            Sampler greedy = new Sampler(new Sampler.Settings(0, 0, 1.0), new SplittableRandom(0));
            int[] generated = Generator.generate(gpt, prompt, 7, -1, greedy, t -> { });
            int[] seq = java.util.Arrays.copyOf(prompt, 10);
            for (int n = 3; n < 10; n++) {
                gpt.forward(java.util.Arrays.copyOf(seq, n), null, 1, n, false, 0);
                INDArray last = gpt.logits().get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(n - 1), org.nd4j.linalg.indexing.NDArrayIndex.all());
                seq[n] = last.argMax().getInt(0);
            }
            assertArrayEquals(java.util.Arrays.copyOfRange(seq, 3, 10), generated);

            // any of several stop ids ends the answer (a chat model's end of turn and eos), the stop id not included
            int stopAt = 4;
            int[] stops = {-5, seq[3 + stopAt], 10_000};
            int[] stopped = Generator.generate(gpt, prompt, 7, stops, greedy, t -> { });
            int first = 0;
            while (seq[3 + first] != seq[3 + stopAt]) {
                first++; // the stop id may already appear earlier in the greedy sequence
            }
            assertArrayEquals(java.util.Arrays.copyOfRange(seq, 3, 3 + first), stopped);
        }
    }

    @Test
    void badArgumentsAreRejected() {
        try (Decoder gpt = new Decoder(CONFIG, 1, 4, DataType.FLOAT, new Nd4jKernels())) {
            assertThrows(IllegalArgumentException.class, () -> gpt.newSession(11));
            try (InferenceSession s = gpt.newSession(3)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.append(23));
                assertTrue(e.getMessage().startsWith("token: id 23"), e.getMessage());
            }
        }
    }
}
