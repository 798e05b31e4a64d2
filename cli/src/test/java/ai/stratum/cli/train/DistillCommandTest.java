package ai.stratum.cli.train;

import ai.stratum.cli.Main;
import ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson;
import ai.stratum.fixtures.tokens.SyntheticShards;
import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.train.DecoderModel;
import ai.stratum.train.metrics.MetricsLog;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static ai.stratum.cli.train.TrainCommandsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code stratum distill} end to end (a fresh student on shards, the teacher cache, metrics, plot, refusals) and
 * {@code bench train --distill-teacher}.
 */
class DistillCommandTest {

    @TempDir
    Path tmp;

    /** A random checkpoint of {@code config} with a byte-level tokenizer.json holding {@code specials}. */
    private static Path checkpoint(Path dir, ModelConfig config, List<String> specials) throws IOException {
        Files.createDirectories(dir);
        try (DecoderModel m = new DecoderModel(new Decoder(config, 1, 1, DataType.FLOAT, Kernels.forCurrentBackend()))) {
            m.initWeights(5);
            m.saveWeights(dir, 256);
        }
        ByteLevelTokenizerJson.write(dir.resolve("tokenizer.json"), specials);
        return dir;
    }

    private static final String[] SMALL = {"--set", "model.vocab_size=257", "--set", "model.n_layer=1",
            "--set", "model.d_model=16", "--set", "model.n_head=2", "--set", "model.context_length=16",
            "--set", "train.seq_len=16", "--set", "train.micro_batch_size=2", "--set", "train.batch_size_tokens=32",
            "--set", "train.max_steps=4", "--set", "eval.every=2", "--set", "eval.steps=1", "--set",
            "checkpoint.every=2", "--set", "log.every=1", "--set", "optim.warmup_steps=1"};

    @Test
    void aFreshStudentOnShardsLogsCeAndKlAndPlotsBesideAnotherRun() throws IOException {
        Path data = tmp.resolve("data");
        SyntheticShards.writeDataset(data, 257, 4_000, 1_000, 3);
        ByteLevelTokenizerJson.write(data.resolve("tokenizer.json"), List.of("<|endoftext|>"));
        Path teacher = checkpoint(tmp.resolve("teacher"), ModelConfig.gpt2(257, 16, 1, 2, 24, 0.0),
                List.of("<|endoftext|>"));
        Path runDir = tmp.resolve("kd");
        TrainCommandsTest.Result r = run(TrainCommandsTest.concat(new String[] {"distill", "--teacher",
                teacher.toString(), "--data", data.toString(), "--run-dir", runDir.toString()}, SMALL));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("steps 4 | loss"), r.out());
        JsonNode last = null;
        for (JsonNode n : MetricsLog.read(runDir)) {
            if (n.has("loss")) {
                last = n;
            }
        }
        assertTrue(last != null && last.has("loss_ce") && last.has("loss_kl"), String.valueOf(last));
        assertTrue(Files.isRegularFile(runDir.resolve("latest/tokenizer.json")));

        // --resume of a finished run: nothing to do; --cache-teacher without a cache is refused by key
        r = run("distill", "--run-dir", runDir.toString(), "--resume");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("nothing to do"), r.err());
        r = run("distill", "--run-dir", runDir.toString(), "--resume", "--cache-teacher");
        assertEquals(Main.USER_ERROR, r.code());
        assertTrue(r.err().contains("distill.teacher_cache"), r.err());

        // the teacher's top-8 cached first (--cache-teacher), then a run that reads it
        Path cache = tmp.resolve("cache");
        String[] cached = TrainCommandsTest.concat(new String[] {"distill", "--teacher", teacher.toString(), "--data",
                data.toString(), "--run-dir", tmp.resolve("kd-cached").toString(), "--set", "distill.top_k=8", "--set",
                "distill.teacher_cache=" + cache}, SMALL);
        r = run(TrainCommandsTest.concat(cached, "--cache-teacher"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("4 blocks written"), r.out());
        assertTrue(Files.isRegularFile(cache.resolve("rows-00000000000096.stkd")), "block of step 4 (rows 96..127)");
        r = run(cached);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("all 4 blocks present"), r.err());

        Path ce = tmp.resolve("ce");
        Files.createDirectories(ce);
        Files.writeString(ce.resolve("metrics.jsonl"), "{\"step\":1,\"loss\":5.5}\n{\"step\":4,\"loss\":5.0}\n"
                + "{\"step\":4,\"val_loss\":5.1}\n");
        Path png = tmp.resolve("both.png");
        r = run("plot", runDir.toString(), ce.toString(), "--out", png.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.size(png) > 1000);
        assertTrue(r.out().contains("(6 training points, 3 validation points)"), r.out());
        r = run("plot", runDir.toString(), runDir.toString());
        assertEquals(Main.USER_ERROR, r.code());
        assertTrue(r.err().contains("--out"), r.err());
    }

    @Test
    void differentTokenizersAreRefusedNamingBothFiles() throws IOException {
        ModelConfig m = ModelConfig.gpt2(258, 16, 1, 2, 16, 0.0);
        Path teacher = checkpoint(tmp.resolve("teacher"), m, List.of("<|endoftext|>", "<|pad|>"));
        Path student = checkpoint(tmp.resolve("student"), m, List.of("<|endoftext|>", "<|sep|>"));
        Path data = tmp.resolve("data");
        SyntheticShards.writeDataset(data, 257, 2_000, 500, 3);
        TrainCommandsTest.Result r = run("distill", "--teacher", teacher.toString(), "--student", student.toString(),
                "--data", data.toString(), "--run-dir", tmp.resolve("run").toString());
        assertEquals(Main.USER_ERROR, r.code(), r.err());
        assertTrue(r.err().contains(teacher.resolve("tokenizer.json").toString())
                && r.err().contains(student.resolve("tokenizer.json").toString())
                && r.err().contains("different tokenizers"), r.err());
        assertTrue(!r.err().contains("at ai.stratum"), "no stack trace: " + r.err());

        Path bigger = checkpoint(tmp.resolve("bigger"), ModelConfig.gpt2(260, 16, 1, 2, 16, 0.0),
                List.of("<|endoftext|>", "<|pad|>"));
        r = run("distill", "--teacher", teacher.toString(), "--student", bigger.toString(), "--data", data.toString(),
                "--run-dir", tmp.resolve("run2").toString());
        assertEquals(Main.USER_ERROR, r.code(), r.err());
        assertTrue(r.err().contains("vocab_size") && r.err().contains("258") && r.err().contains("260"), r.err());
    }

    @Test
    void aModelPresetIsLayeredOverTheDistillationDefaults() {
        TrainCommandsTest.Result r = run("distill", "--preset", "llama-tiny-cpu", "--dry-run");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("temperature: 2.0") && r.out().contains("positions: rope"), r.out());
        r = run("distill", "--student", "x", "--lora", "--dry-run");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("method: lora") && r.out().contains("model: null"), r.out());
        r = run("distill", "--dry-run", "--set", "distill.alpha=2");
        assertEquals(Main.USER_ERROR, r.code());
        assertTrue(r.err().contains("distill.alpha"), r.err());
    }
    @Test
    void benchTrainTimesADistillationStepAgainstAPlainStep() {
        TrainCommandsTest.Result r = run("bench", "train", "--preset", "tiny-cpu", "--set", "model.vocab_size=64",
                "--set", "model.n_layer=1", "--set", "model.d_model=16", "--set", "train.seq_len=16", "--set",
                "train.micro_batch_size=2", "--set", "train.batch_size_tokens=32", "--distill-teacher", "tiny-cpu",
                "--distill-top-k", "8", "--steps", "2", "--warmup", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("teacher: d_model 128, 4 layers") && r.out().contains("top-8 teacher")
                && r.out().contains("distill / plain step time:") && r.out().contains("over 2 alternating rounds"),
                r.out());
        assertTrue(r.err().contains("timed round 3/3: plain"), r.err());
    }
}
