package ai.stratum.generate;

import ai.stratum.model.BatchDecodeSession;
import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.kernels.CpuKernels;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.kernels.NaiveKernels;
import ai.stratum.model.kernels.Nd4jKernels;
import ai.stratum.model.lora.LoraAdapters;
import ai.stratum.model.lora.LoraConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchGeneratorTest {

    private static final int V = 29;
    private static final ModelConfig GPT2 = ModelConfig.gpt2(V, 16, 2, 2, 8, 0.0);
    /** Llama-style: RMSNorm, RoPE, SwiGLU, grouped-query heads (4 query heads over 2 key/value heads). */
    private static final ModelConfig LLAMA = ModelConfig.llama(V, 16, 2, 4, 2, 8, 16, 1e-5, 10000, false);
    /** Qwen3-like: q/k norm, qkv bias, llama3 RoPE scaling, a sliding window shorter than the sequences. */
    private static final ModelConfig QWEN3 = new ModelConfig(V, 16, 2, 4, 2, 6, 16, 20, ModelConfig.Norm.RMS_NORM,
            1e-6, ModelConfig.Positions.ROPE, 10000, new ModelConfig.RopeScaling("llama3", 4, 1, 4, 8), true, false,
            true, ModelConfig.Mlp.SWIGLU, false, false, false, 4, 0.0);

    private static final int[][] PROMPTS = {{3}, {5, 17, 2}, {1, 2, 3, 4, 5, 6, 7}, {9, 9}, {11, 4, 20, 8, 1}};
    private static final int[] MAX_NEW = {6, 9, 5, 8, 7};

    private static Decoder model(ModelConfig c, DataType type, Kernels k, int rows) {
        Decoder d = new Decoder(c, 1, rows, type, k, false);
        SplittableRandom rng = new SplittableRandom(5);
        double[] v = new double[(int) d.params().length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = 0.5 * (2 * rng.nextDouble() - 1);
        }
        d.params().assign(Nd4j.createFromArray(v).castTo(type));
        return d;
    }

    private static Sampler greedy() {
        return new Sampler(new Sampler.Settings(0, 0, 1.0), new SplittableRandom(0));
    }

    /** The argmax continuation by a full forward over the whole sequence for every new token. */
    private static int[] fullRecompute(Decoder d, int[] prompt, int maxNew) {
        int[] seq = Arrays.copyOf(prompt, prompt.length + maxNew);
        for (int n = prompt.length; n < seq.length; n++) {
            d.forward(Arrays.copyOf(seq, n), null, 1, n, false, 0);
            INDArray logits = d.logits();
            int best = 0;
            for (int v = 1; v < V; v++) {
                if (logits.getDouble(0, n - 1, v) > logits.getDouble(0, n - 1, best)) {
                    best = v;
                }
            }
            seq[n] = best;
        }
        return Arrays.copyOfRange(seq, prompt.length, seq.length);
    }

    private static Map<Integer, BatchGenerator.Result> run(Decoder d, List<BatchGenerator.Request> requests,
                                                           int batch, int prefillRows) {
        Map<Integer, BatchGenerator.Result> out = new HashMap<>();
        BatchGenerator.Stats stats = BatchGenerator.generate(d, requests, batch, prefillRows, r -> {
            assertNull(out.put(r.request(), r), "request " + r.request() + " answered twice");
        });
        assertEquals(requests.size(), out.size(), "every request is answered");
        assertTrue(stats.decodeTokens() > 0 && stats.prefillTokens() > 0, stats.toString());
        return out;
    }

    @Test
    void batchedGreedyEqualsTheGeneratorAndTheFullRecompute() {
        // float runs through the fused CPU kernels, double through the ND4J ones (CpuKernels' fallback)
        for (ModelConfig c : List.of(GPT2, LLAMA, QWEN3)) {
            try (Decoder d = model(c, DataType.FLOAT, new CpuKernels(), 16)) {
                greedyMatches(d, "float " + c);
            }
        }
        try (Decoder d = model(GPT2, DataType.DOUBLE, new CpuKernels(), 16)) {
            greedyMatches(d, "double gpt2");
        }
    }

    @Test
    void batchedGreedyWithALoraAdapterEqualsTheGenerator() {
        for (ModelConfig c : List.of(GPT2, LLAMA)) {
            DataType type = DataType.FLOAT;
            try (Decoder d = model(c, type, new CpuKernels(), 16)) {
                List<String> targets = c == GPT2 ? List.of("c_attn", "c_proj", "c_fc") : LoraConfig.LLAMA_LINEARS;
                LoraAdapters lora = new LoraAdapters(new LoraConfig(2, 4, 0.0, targets), c, type, 16);
                lora.init(9);
                INDArray p = lora.params();
                SplittableRandom rng = new SplittableRandom(10);
                for (long i = 0; i < p.length(); i++) {
                    p.putScalar(i, rng.nextDouble(-0.5, 0.5)); // B too, so the adapter changes the output
                }
                int[] before = Generator.generate(d, PROMPTS[1], 8, -1, greedy(), t -> { });
                lora.attach(d, d.kernels());
                assertFalse(Arrays.equals(before, Generator.generate(d, PROMPTS[1], 8, -1, greedy(), t -> { })),
                        "the adapter changes the greedy output");
                greedyMatches(d, c + " with LoRA");
            }
        }
    }

    private static void greedyMatches(Decoder d, String what) {
        List<BatchGenerator.Request> requests = new ArrayList<>();
        for (int i = 0; i < PROMPTS.length; i++) {
            requests.add(new BatchGenerator.Request(PROMPTS[i], MAX_NEW[i], new int[] {-1}, greedy()));
        }
        // batch 3 of 5 requests: finished slots are refilled; prefill in chunks of 4 rows splits the long prompt
        Map<Integer, BatchGenerator.Result> batched = run(d, requests, 3, 4);
        Map<Integer, BatchGenerator.Result> single = run(d, requests, 1, 16);
        for (int i = 0; i < PROMPTS.length; i++) {
            int[] reference = Generator.generate(d, PROMPTS[i], MAX_NEW[i], -1, greedy(), t -> { });
            assertArrayEquals(reference, batched.get(i).tokens(), what + ": request " + i + " batched");
            assertArrayEquals(reference, single.get(i).tokens(), what + ": request " + i + " alone");
            assertArrayEquals(fullRecompute(d, PROMPTS[i], MAX_NEW[i]), reference, what + ": request " + i
                    + " full recompute");
            assertFalse(batched.get(i).stopped());
        }
    }

    /** A request longer than the context refills its last half window, as the Generator does. */
    @Test
    void aSequenceOutgrowingTheContextContinuesAsTheGeneratorDoes() {
        try (Decoder d = model(QWEN3, DataType.DOUBLE, new CpuKernels(), 16)) {
            int[] longPrompt = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
            List<BatchGenerator.Request> requests = List.of(
                    new BatchGenerator.Request(PROMPTS[1], 20, new int[] {-1}, greedy()),
                    new BatchGenerator.Request(longPrompt, 12, new int[] {-1}, greedy()),
                    new BatchGenerator.Request(PROMPTS[0], 3, new int[] {-1}, greedy()));
            Map<Integer, BatchGenerator.Result> out = run(d, requests, 2, 5);
            for (int i = 0; i < requests.size(); i++) {
                BatchGenerator.Request r = requests.get(i);
                assertArrayEquals(Generator.generate(d, r.prompt(), r.maxNewTokens(), -1, greedy(), t -> { }),
                        out.get(i).tokens(), "request " + i);
            }
        }
    }

    @Test
    void eachSequenceStopsAtItsOwnStopIds() {
        try (Decoder d = model(LLAMA, DataType.DOUBLE, new CpuKernels(), 16)) {
            int[] full0 = Generator.generate(d, PROMPTS[2], 5, -1, greedy(), t -> { });
            int[] full1 = Generator.generate(d, PROMPTS[4], 7, -1, greedy(), t -> { });
            int stop = full0[2];
            int first = 0;
            while (full0[first] != stop) {
                first++; // the stop id may appear earlier in the greedy sequence
            }
            List<BatchGenerator.Request> requests = List.of(
                    new BatchGenerator.Request(PROMPTS[2], 5, new int[] {V + 3, stop}, greedy()),
                    new BatchGenerator.Request(PROMPTS[4], 7, new int[] {-1}, greedy()));
            Map<Integer, BatchGenerator.Result> out = run(d, requests, 2, 16);
            assertArrayEquals(Arrays.copyOf(full0, first), out.get(0).tokens(), "stopped before its stop id");
            assertTrue(out.get(0).stopped());
            assertArrayEquals(full1, out.get(1).tokens(), "the other sequence runs to its max_new_tokens");
            assertFalse(out.get(1).stopped());
        }
    }

    /**
     * A request's sampled tokens come from its own seed only: the same with batch 1, 2 or 5, and beside other
     * requests in another order.
     */
    @Test
    void seededSamplingIsIndependentOfTheBatch() {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            try (Decoder d = model(LLAMA, type, new CpuKernels(), 16)) {
                Sampler.Settings settings = new Sampler.Settings(1.3, 0, 1.0);
                List<BatchGenerator.Request> requests = new ArrayList<>();
                for (int i = 0; i < PROMPTS.length; i++) {
                    requests.add(new BatchGenerator.Request(PROMPTS[i], MAX_NEW[i] + 4, new int[] {-1},
                            new Sampler(settings, new SplittableRandom(100 + i))));
                }
                Map<Integer, BatchGenerator.Result> alone = new HashMap<>();
                for (int i = 0; i < PROMPTS.length; i++) {
                    alone.put(i, run(d, List.of(fresh(requests.get(i), 100 + i, settings)), 1, 16).get(0));
                }
                for (int batch : new int[] {2, 5}) {
                    Map<Integer, BatchGenerator.Result> out = run(d, refresh(requests, settings), batch, 3);
                    for (int i = 0; i < PROMPTS.length; i++) {
                        assertArrayEquals(alone.get(i).tokens(), out.get(i).tokens(), type + " batch " + batch
                                + " request " + i);
                    }
                }
                // other company, in reverse order
                List<BatchGenerator.Request> mixed = new ArrayList<>();
                for (int i = PROMPTS.length - 1; i >= 0; i--) {
                    mixed.add(fresh(requests.get(i), 100 + i, settings));
                    mixed.add(new BatchGenerator.Request(new int[] {7, (i * 5) % V}, 4, new int[] {-1},
                            new Sampler(settings, new SplittableRandom(i))));
                }
                Map<Integer, BatchGenerator.Result> out = run(d, mixed, 4, 16);
                for (int i = 0; i < PROMPTS.length; i++) {
                    assertArrayEquals(alone.get(i).tokens(), out.get(2 * (PROMPTS.length - 1 - i)).tokens(),
                            type + " mixed, request " + i);
                }
                // and the seed matters
                assertFalse(Arrays.equals(alone.get(2).tokens(), run(d, List.of(fresh(requests.get(2), 7,
                        settings)), 1, 16).get(0).tokens()));
            }
        }
    }

    private static BatchGenerator.Request fresh(BatchGenerator.Request r, long seed, Sampler.Settings s) {
        return new BatchGenerator.Request(r.prompt(), r.maxNewTokens(), r.stopIds(),
                new Sampler(s, new SplittableRandom(seed)));
    }

    private static List<BatchGenerator.Request> refresh(List<BatchGenerator.Request> rs, Sampler.Settings s) {
        List<BatchGenerator.Request> out = new ArrayList<>();
        for (int i = 0; i < rs.size(); i++) {
            out.add(fresh(rs.get(i), 100 + i, s));
        }
        return out;
    }

    /**
     * One append may mix a prompt's prefill rows with other sequences' decode rows, in any order: every returned
     * row's logits equal the full forward's at that position.
     */
    @Test
    void mixedRowsInOneAppendEqualTheFullForward() {
        for (Kernels k : new Kernels[] {new NaiveKernels(), new Nd4jKernels(), new CpuKernels()}) {
            try (Decoder d = model(QWEN3, DataType.DOUBLE, k, 16);
                 BatchDecodeSession s = d.newBatchSession(3, 12, 8)) {
                int[][] seqs = {{4, 8, 15, 16, 23, 1, 2, 3, 4, 5}, {7, 7, 1, 0, 28, 3, 9, 9, 2, 1},
                        {2, 3, 5, 7, 11, 13, 17, 19, 23, 1}};
                double[][][] full = new double[3][][];
                for (int q = 0; q < 3; q++) {
                    d.forward(seqs[q], null, 1, 10, false, 0);
                    INDArray lg = d.logits();
                    full[q] = new double[10][V];
                    for (int t = 0; t < 10; t++) {
                        for (int v = 0; v < V; v++) {
                            full[q][t][v] = lg.getDouble(0, t, v);
                        }
                    }
                }
                // calls of (slot, count) rows: prefill chunks beside single decode rows, slots interleaved
                int[][][] calls = {{{2, 3}, {0, 1}}, {{0, 4}, {2, 1}, {1, 2}}, {{1, 1}, {2, 1}, {0, 1}},
                        {{2, 5}, {1, 3}}, {{0, 4}, {1, 4}}};
                int[] fed = new int[3];
                for (int[][] call : calls) {
                    List<Integer> slots = new ArrayList<>();
                    List<Integer> tokens = new ArrayList<>();
                    for (int[] part : call) {
                        for (int i = 0; i < part[1]; i++) {
                            slots.add(part[0]);
                            tokens.add(seqs[part[0]][fed[part[0]] + i]);
                        }
                    }
                    float[][] logits = s.append(slots.stream().mapToInt(Integer::intValue).toArray(),
                            tokens.stream().mapToInt(Integer::intValue).toArray());
                    int row = 0;
                    for (int[] part : call) {
                        fed[part[0]] += part[1];
                        row += part[1];
                        float[] last = logits[row - 1];
                        for (int v = 0; v < V; v++) {
                            assertEquals(full[part[0]][fed[part[0]] - 1][v], last[v], 2e-6, k.getClass()
                                    .getSimpleName() + " slot " + part[0] + " position " + (fed[part[0]] - 1));
                        }
                    }
                }
                assertArrayEquals(new int[] {10, 10, 10}, new int[] {s.length(0), s.length(1), s.length(2)});
                s.reset(1);
                assertEquals(0, s.length(1));
                assertThrows(IllegalStateException.class, () -> s.append(new int[] {0, 0, 0}, new int[] {1, 2, 3}),
                        "slot 0 would hold 13 > max_tokens 12");
                assertEquals(10, s.length(0), "a refused append changes nothing");
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> d.newBatchSession(2, 12, 17));
                assertTrue(e.getMessage().startsWith("max_rows"), e.getMessage());
            }
        }
    }
}
