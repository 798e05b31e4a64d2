package ai.stratum.cli.bench;

import ai.stratum.cli.Main;
import ai.stratum.model.StepProfile;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainBenchCommandTest {

    private static final String[] TINY = {"--preset", "tiny-cpu", "--set", "model.vocab_size=64",
            "--set", "model.d_model=16", "--set", "model.n_head=2", "--set", "model.n_layer=1",
            "--set", "model.context_length=16", "--set", "train.seq_len=8", "--set", "train.micro_batch_size=2",
            "--set", "train.batch_size_tokens=16"};

    private static String[] args(String... extra) {
        String[] a = new String[2 + TINY.length + extra.length];
        a[0] = "bench";
        a[1] = "train";
        System.arraycopy(TINY, 0, a, 2, TINY.length);
        System.arraycopy(extra, 0, a, 2 + TINY.length, extra.length);
        return a;
    }

    @Test
    void reportsThroughputMfuMemoryAndTheBreakdown() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args("--steps", "3", "--warmup", "1", "--kernels", "CPU"), new PrintWriter(out, true),
                new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        String report = out.toString();
        for (String expected : new String[] {"tokens/s", "MFU", "sgemm peak", "peak RSS", "AdamW moments",
                "allocation per step", "optimizer", "kernels CpuKernels"}) {
            assertTrue(report.contains(expected), "missing '" + expected + "' in:\n" + report);
        }
        for (StepProfile.Kind k : StepProfile.Kind.values()) {
            assertTrue(report.contains(k.label()), "missing " + k.label() + " in:\n" + report);
        }
        assertTrue(err.toString().contains("timed step 4/4"), err.toString());
    }

    @Test
    void countsFlopsAndAccountsForTheStepTime() {
        var config = ai.stratum.config.ConfigLoader.load(ai.stratum.train.TrainConfig.class, "tiny-cpu", null,
                java.util.List.of("model.vocab_size=64", "model.d_model=16", "model.n_head=2", "model.n_layer=1",
                        "model.context_length=16", "train.seq_len=8", "train.micro_batch_size=2",
                        "train.batch_size_tokens=16")).value();
        TrainBench.Result r = TrainBench.run(config, new TrainBench.Options(1, 4, TrainBench.KernelChoice.ND4J),
                new PrintWriter(new StringWriter()));
        // parameters: wte 64x16 + wpe 16x16 + one block (12 * 16^2 + 13 * 16) + ln_f 2 * 16
        long p = 64 * 16 + 16 * 16 + 12 * 16 * 16 + 13 * 16 + 2 * 16;
        assertEquals(p, r.parameters());
        assertEquals(6.0 * p * 16 + 12.0 * 1 * 2 * 8 * 8 * 16, r.flopsPerStep(), 1e-6);
        assertEquals(4 * p * 4, r.paramBytes() + r.gradBytes() + r.momentBytes());
        assertEquals(16 / (r.medianStepMillis() / 1000), r.tokensPerSecond(), 1e-6);
        double profiled = r.forwardMillis().values().stream().mapToDouble(Double::doubleValue).sum()
                + r.backwardMillis().values().stream().mapToDouble(Double::doubleValue).sum() + r.optimizerMillis();
        double mean = Arrays.stream(r.stepMillis()).average().orElseThrow();
        assertTrue(profiled <= mean * 1.001 && profiled > 0.8 * mean,
                "the breakdown (" + profiled + " ms) should account for the step (" + mean + " ms)");
        assertTrue(r.sgemmPeakGflops() > 0 && r.mfu() > 0);
    }

    @Test
    void aLlamaWithLoraTrainsOnlyTheAdaptersAndCountsFourFlopsPerFrozenParameter() {
        var config = ai.stratum.config.ConfigLoader.load(ai.stratum.train.TrainConfig.class, "llama-tiny-cpu",
                null, java.util.List.of("model.vocab_size=64", "model.d_model=16", "model.n_head=4", "model.n_layer=1",
                        "model.intermediate_size=24", "model.context_length=16", "train.seq_len=8",
                        "train.micro_batch_size=2", "train.batch_size_tokens=16")).value();
        TrainBench.Result r = TrainBench.run(config, new TrainBench.Options(1, 2, TrainBench.KernelChoice.AUTO, 2),
                new PrintWriter(new StringWriter()));
        // tied embedding 64x16 + qkv (16 + 2 * 8) x 16 + proj 16x16 + fc 48x16 + proj 16x24 + 3 norms of 16
        long p = 64 * 16 + 32 * 16 + 16 * 16 + 48 * 16 + 16 * 24 + 3 * 16;
        assertEquals(p, r.parameters());
        // rank-2 adapters on q (16 rows), k, v (8 each), o (16), gate, up (24 each), down (16): A [2, in] + B [rows, 2]
        long lora = 2 * (16 + 16) + 2 * (16 + 8) * 2 + 2 * (16 + 16) + 2 * (16 + 24) * 2 + 2 * (24 + 16);
        assertEquals(lora, r.trainable());
        assertEquals(4.0 * p * 16 + 12.0 * 1 * 2 * 8 * 8 * 16, r.flopsPerStep(), 1e-6);
        assertEquals(4 * p, r.paramBytes());
        assertEquals(4 * 3 * lora, r.gradBytes() + r.momentBytes(), "no gradients or moments for the frozen base");
        StringWriter out = new StringWriter();
        TrainBench.print(r, new PrintWriter(out));
        assertTrue(out.toString().contains("rms_norm, swiglu, rope positions, tied head"), out.toString());
        assertTrue(out.toString().contains("LoRA adapters on a frozen base"), out.toString());
    }
}
