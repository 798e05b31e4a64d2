package ai.stratum.train.distill;

import ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson;
import ai.stratum.fixtures.tokens.SyntheticShards;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.lora.LoraConfig;
import ai.stratum.train.DecoderModel;
import ai.stratum.train.EvalConfig;
import ai.stratum.train.LogConfig;
import ai.stratum.train.TrainConfig;
import ai.stratum.train.Trainer;
import ai.stratum.train.TrainingConfig;
import ai.stratum.train.checkpoint.CheckpointConfig;
import ai.stratum.train.data.ShardSet;
import ai.stratum.train.metrics.MetricsLog;
import ai.stratum.train.metrics.StepMetrics;
import ai.stratum.train.optim.OptimConfig;
import ai.stratum.train.sft.ChatTemplate;
import ai.stratum.train.sft.SequencePacker;
import ai.stratum.train.sft.SftConfig;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole distillation runs through the trainer on generated data (a sparse Markov chain whose every token has three
 * successors with probabilities 0.7 / 0.2 / 0.1): a trained teacher makes a student reach a lower held-out loss
 * than the same student trained on the hard labels alone; a cached-teacher run equals the live one; a killed run
 * resumes exactly; tokenizers that differ are refused.
 */
class DistillRunTest {

    static final int VOCAB = 257;

    @TempDir
    static Path shared;
    static Path data;
    static Path teacher;

    static TrainConfig teacherConfig() {
        return new TrainConfig(ModelConfig.gpt2(VOCAB, 32, 1, 2, 32, 0.0),
                new OptimConfig(1e-2, 1e-3, 10, 0.0, 0.9, 0.95, 1e-8, 1.0),
                new TrainingConfig(250, 0, 8, 32, 256, 7, "float32"),
                new EvalConfig(0, 8), new CheckpointConfig(0, 1), new LogConfig(50));
    }

    /** A fresh student: narrower than the teacher, a short run. */
    static DistillConfig studentConfig(double alpha, int topK, Path cache, long steps) {
        return new DistillConfig(new DistillSettings(1.0, alpha, topK, cache == null ? null : cache.toString()),
                "full", new LoraConfig(8, 16, 0, LoraConfig.DEFAULT_TARGETS),
                new SftConfig(false, SequencePacker.Overflow.TRUNCATE, ChatTemplate.DEFAULT),
                ModelConfig.gpt2(VOCAB, 32, 1, 2, 16, 0.0),
                new OptimConfig(1e-2, 1e-3, 5, 0.0, 0.9, 0.95, 1e-8, 1.0),
                new TrainingConfig(steps, 0, 4, 32, 256, 3, "float32"),
                new EvalConfig(10, 16), new CheckpointConfig(10, 3), new LogConfig(1));
    }

    @BeforeAll
    static void trainTeacher() throws IOException {
        data = shared.resolve("data");
        SyntheticShards.writeDataset(data, VOCAB, 60_000, 8_000, 11);
        ByteLevelTokenizerJson.write(data.resolve("tokenizer.json"), List.of("<|endoftext|>"));
        Trainer.Run run = Trainer.Run.pretrain(teacherConfig(), ShardSet.open(data), shared.resolve("teacher"), false)
                .withTokenizer(data.resolve("tokenizer.json"), VOCAB - 1);
        teacher = new Trainer(run, DecoderModel.factory(), line -> { }, m -> { }).run().lastCheckpoint();
    }

    static Trainer.Result distill(DistillConfig cfg, Path runDir, boolean resume, Consumer<StepMetrics> onStep)
            throws IOException {
        return Distill.run(new Distill.Request(cfg, teacher, null, data, null, null, runDir, resume, 0), line -> { },
                onStep);
    }

    static List<JsonNode> steps(Path runDir) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode n : MetricsLog.read(runDir)) {
            if (n.has("loss")) {
                out.add(n);
            }
        }
        return out;
    }

    @Test
    void aDistilledStudentReachesALowerHeldOutLossThanTheSameStudentOnHardLabels(@TempDir Path tmp)
            throws IOException {
        long steps = 40;
        DistillConfig kd = studentConfig(0.0, 0, null, steps);
        // the same student, seed, data order and steps, trained on the hard labels alone
        Trainer.Run plain = Trainer.Run.pretrain(kd.trainConfig(kd.model()), ShardSet.open(data), tmp.resolve("ce"),
                false).withTokenizer(data.resolve("tokenizer.json"), VOCAB - 1);
        double ce = new Trainer(plain, DecoderModel.factory(), line -> { }, m -> { }).run().val().loss();
        double distilled = distill(kd, tmp.resolve("kd"), false, m -> { }).val().loss();
        double teacherLoss = teacherValLoss();
        System.out.printf("held-out loss after %d steps: CE alone %.4f, distilled %.4f, teacher %.4f%n", steps, ce,
                distilled, teacherLoss);
        assertTrue(distilled < ce - 0.05, "held-out loss: distilled " + distilled + " vs CE alone " + ce
                + " (teacher " + teacherLoss + ")");
        JsonNode last = steps(tmp.resolve("kd")).get((int) steps - 1);
        assertTrue(last.has(DistillModel.CE) && last.has(DistillModel.KL), last.toString());
        assertEquals(0.0, last.get("loss").asDouble() - last.get(DistillModel.KL).asDouble(), 1e-5,
                "alpha 0, T 1: the loss is the KL part");
    }

    private static double teacherValLoss() throws IOException {
        JsonNode last = null;
        for (JsonNode n : MetricsLog.read(teacher.getParent().getParent())) {
            if (n.has("val_loss")) {
                last = n;
            }
        }
        return last == null ? Double.NaN : last.get("val_loss").asDouble();
    }

    @Test
    void aCachedTeacherRunEqualsTheLiveTopKRunAndAKilledRunResumesExactly(@TempDir Path tmp) throws IOException {
        int k = 16;
        List<StepMetrics> live = new ArrayList<>();
        distill(studentConfig(0.5, k, null, 20), tmp.resolve("live"), false, live::add);

        Path cache = tmp.resolve("cache");
        List<StepMetrics> cached = new ArrayList<>();
        distill(studentConfig(0.5, k, cache, 20), tmp.resolve("cached"), false, cached::add);
        assertTrue(Files.isRegularFile(cache.resolve(Distill.CACHE_MANIFEST)));
        assertTrue(TeacherCache.has(cache, 19L * 256), "the block of the last step's micro-batch");
        for (int i = 0; i < live.size(); i++) {
            assertEquals(live.get(i).loss(), cached.get(i).loss(), "loss at step " + (i + 1));
            assertEquals(live.get(i).parts(), cached.get(i).parts(), "parts at step " + (i + 1));
            assertEquals(live.get(i).gradNorm(), cached.get(i).gradNorm(), "grad norm at step " + (i + 1));
        }

        // killed after step 14 (checkpoint at 10), resumed: the same losses as the uninterrupted cached run
        Path killed = tmp.resolve("killed");
        assertThrows(IllegalStateException.class, () -> distill(studentConfig(0.5, k, cache, 20), killed, false, m -> {
            if (m.step() == 14) {
                throw new IllegalStateException("simulated kill");
            }
        }));
        distill(studentConfig(0.5, k, cache, 20), killed, true, m -> { });
        assertEquals(comparable(steps(tmp.resolve("cached"))), comparable(steps(killed)));
    }

    /** A random checkpoint of {@code config} with a byte-level tokenizer holding the chat template's tokens. */
    private static Path chatCheckpoint(Path dir, ModelConfig config) throws IOException {
        Files.createDirectories(dir);
        try (DecoderModel m = new DecoderModel(new ai.stratum.model.Decoder(config, 1, 1,
                org.nd4j.linalg.api.buffer.DataType.FLOAT, ai.stratum.model.kernels.Kernels.forCurrentBackend()))) {
            m.initWeights(config.dModel());
            m.saveWeights(dir, 256);
        }
        ByteLevelTokenizerJson.write(dir.resolve("tokenizer.json"),
                List.of("<|endoftext|>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>"));
        return dir;
    }

    @Test
    void aLoraStudentCheckpointDistillsOnSftDataAndResumes(@TempDir Path tmp) throws IOException {
        Path teacherDir = chatCheckpoint(tmp.resolve("teacher"), ModelConfig.gpt2(261, 64, 1, 2, 24, 0.0));
        Path studentDir = chatCheckpoint(tmp.resolve("student"), ModelConfig.gpt2(261, 64, 1, 2, 16, 0.0));
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            jsonl.append("{\"prompt\": \"add ").append(i).append(" and ").append(i % 7).append("\", \"response\": \"")
                    .append(i + i % 7).append("\"}\n");
        }
        Path train = Files.writeString(tmp.resolve("train.jsonl"), jsonl.toString());
        DistillConfig base = studentConfig(0.5, 0, null, 6);
        DistillConfig cfg = new DistillConfig(new DistillSettings(2.0, 0.5, 0, null), "lora", base.lora(),
                base.sft(), null, base.optim(), new TrainingConfig(6, 0, 2, 32, 64, 3, "float32"),
                new EvalConfig(0, 1), new CheckpointConfig(3, 2), new LogConfig(1));
        Path run = tmp.resolve("run");
        List<StepMetrics> straight = new ArrayList<>();
        Distill.run(new Distill.Request(cfg, teacherDir, studentDir, train, train, null, run, false, 0), line -> { },
                straight::add);
        assertTrue(Files.isRegularFile(run.resolve("latest/adapter_model.safetensors")), "LoRA checkpoints");
        assertEquals(List.of(DistillModel.CE, DistillModel.KL), new ArrayList<>(straight.get(5).parts().keySet()));
        double expected = 0.5 * straight.get(5).parts().get(DistillModel.CE)
                + 0.5 * 4 * straight.get(5).parts().get(DistillModel.KL);
        assertEquals(expected, straight.get(5).loss(), 1e-5, "loss = alpha CE + (1 - alpha) T^2 KL");

        // killed after step 4 (checkpoint at 3), resumed from the run directory: the same steps
        Path killed = tmp.resolve("killed");
        assertThrows(IllegalStateException.class, () -> Distill.run(new Distill.Request(cfg, teacherDir, studentDir,
                train, train, null, killed, false, 0), line -> { }, m -> {
                    if (m.step() == 5) {
                        throw new IllegalStateException("simulated kill");
                    }
                }));
        Distill.run(new Distill.Request(cfg, teacherDir, studentDir, train, train, null, killed, true, 0), line -> { },
                m -> { });
        assertEquals(comparable(steps(run)), comparable(steps(killed)));
        assertEquals(studentDir.toAbsolutePath(), Distill.Inputs.read(killed).student());
    }

    @Test
    void aFreshStudentDistillsOnSftDataWithTheTeachersTokenizerAndTooShortATeacherIsRefused(@TempDir Path tmp)
            throws IOException {
        Path teacherDir = chatCheckpoint(tmp.resolve("teacher"), ModelConfig.gpt2(261, 32, 1, 2, 24, 0.0));
        Path train = Files.writeString(tmp.resolve("train.jsonl"),
                "{\"prompt\": \"hi\", \"response\": \"hello there\"}\n{\"prompt\": \"bye\", \"response\": \"see you\"}\n");
        DistillConfig base = studentConfig(0.5, 4, null, 6);
        DistillConfig cfg = new DistillConfig(base.distill(), "full", base.lora(), base.sft(),
                ModelConfig.gpt2(261, 32, 1, 2, 8, 0.0), base.optim(), new TrainingConfig(6, 0, 1, 32, 32, 3, "float32"),
                new EvalConfig(0, 1), new CheckpointConfig(0, 1), new LogConfig(1));
        List<StepMetrics> steps = new ArrayList<>();
        Trainer.Result r = Distill.run(new Distill.Request(cfg, teacherDir, null, train, null, null, tmp.resolve("run"),
                false, 0), line -> { }, steps::add);
        assertEquals(6, r.steps());
        assertTrue(steps.get(5).parts().get(DistillModel.KL) > 0, steps.get(5).toString());
        assertEquals(ai.stratum.tokenizer.Tokenizer.load(teacherDir).fingerprint(),
                ai.stratum.tokenizer.Tokenizer.load(r.lastCheckpoint()).fingerprint(), "the teacher's tokenizer");

        DistillConfig longer = new DistillConfig(base.distill(), "full", base.lora(), base.sft(),
                ModelConfig.gpt2(261, 64, 1, 2, 8, 0.0), base.optim(), new TrainingConfig(6, 0, 1, 64, 64, 3, "float32"),
                new EvalConfig(0, 1), new CheckpointConfig(0, 1), new LogConfig(1));
        var e = assertThrows(IllegalArgumentException.class, () -> Distill.run(new Distill.Request(longer, teacherDir,
                null, train, null, null, tmp.resolve("run2"), false, 0), line -> { }, m -> { }));
        assertTrue(e.getMessage().startsWith("train.seq_len: 64 is longer than the teacher's context of 32"),
                e.getMessage());
    }

    /** Each logged step's loss, parts and gradient norm (not its timing). */
    private static List<String> comparable(List<JsonNode> lines) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : lines) {
            out.add(n.get("step") + " " + n.get("loss") + " " + n.get(DistillModel.CE) + " " + n.get(DistillModel.KL)
                    + " " + n.get("grad_norm"));
        }
        return out;
    }
}
