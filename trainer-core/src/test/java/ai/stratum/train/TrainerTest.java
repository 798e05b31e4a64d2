package ai.stratum.train;

import ai.stratum.train.checkpoint.CheckpointConfig;
import ai.stratum.train.checkpoint.Checkpoints;
import ai.stratum.train.checkpoint.TrainerState;
import ai.stratum.train.data.ShardSet;
import ai.stratum.train.metrics.MetricsLog;
import ai.stratum.train.metrics.StepMetrics;
import ai.stratum.train.optim.AdamW;
import ai.stratum.train.optim.OptimConfig;
import ai.stratum.fixtures.tokens.SyntheticShards;
import ai.stratum.model.ModelConfig;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {

    static final int VOCAB = 32;

    @TempDir
    Path tmp;
    Path data;

    @BeforeEach
    void writeData() throws IOException {
        data = tmp.resolve("data");
        SyntheticShards.writeDataset(data, VOCAB, 30_000, 3_000, 11);
    }

    /** 24 steps of 2 micro-batches of 4 x 8 tokens; eval and checkpoint every 8; dropout on. */
    static TrainConfig config(long steps) {
        return new TrainConfig(ModelConfig.gpt2(VOCAB, 8, 1, 1, 4, 0.1),
                new OptimConfig(0.1, 0.01, 3, 0.01, 0.9, 0.95, 1e-8, 1.0),
                new TrainingConfig(steps, 0, 4, 8, 64, 5, "float32"),
                new EvalConfig(8, 3), new CheckpointConfig(8, 2), new LogConfig(1));
    }

    static Trainer.Result train(TrainConfig cfg, Path data, Path runDir, boolean resume, int poisonAtForward,
                                java.util.function.Consumer<StepMetrics> onStep, List<String> lines) throws IOException {
        Trainer.Run run = Trainer.Run.pretrain(cfg, ShardSet.open(data), runDir, resume);
        return new Trainer(run, BigramModel.factory(poisonAtForward), lines::add, onStep).run();
    }

    static List<Double> losses(Path runDir) throws IOException {
        List<Double> out = new ArrayList<>();
        for (JsonNode n : MetricsLog.read(runDir)) {
            if (n.has("loss")) {
                assertEquals(out.size() + 1, n.get("step").asLong(), "one line per step, in order");
                out.add(n.get("loss").asDouble());
            }
        }
        return out;
    }

    @Test
    void lossFallsAndTheRunDirectoryHasMetricsCheckpointsAndLatest() throws IOException {
        Path runDir = tmp.resolve("run");
        List<String> lines = new ArrayList<>();
        Trainer.Result result = train(config(24), data, runDir, false, -1, m -> { }, lines);
        List<Double> losses = losses(runDir);
        assertEquals(24, losses.size());
        assertTrue(losses.get(0) > Math.log(VOCAB) - 0.1, "initial loss " + losses.get(0) + " ~ ln(V)");
        assertTrue(losses.get(23) < losses.get(0) - 1.0, "loss fell from " + losses.get(0) + " to " + losses.get(23));
        List<JsonNode> evals = MetricsLog.read(runDir).stream().filter(n -> n.has("val_loss")).toList();
        assertEquals(List.of(8L, 16L, 24L), evals.stream().map(n -> n.get("step").asLong()).toList());
        assertEquals(Math.exp(evals.get(2).get("val_loss").asDouble()), evals.get(2).get("val_ppl").asDouble(), 1e-9);
        assertEquals(result.val().loss(), evals.get(2).get("val_loss").asDouble());

        Checkpoints checkpoints = new Checkpoints(runDir, 2);
        assertEquals(List.of("step-16", "step-24"), checkpoints.list().stream().map(p -> p.getFileName().toString()).toList());
        assertEquals(runDir.resolve("checkpoints/step-24").toRealPath(), runDir.resolve("latest").toRealPath());
        for (String f : List.of("model.safetensors", "optimizer.safetensors", "config.json", "trainer_state.json")) {
            assertTrue(Files.isRegularFile(runDir.resolve("latest").resolve(f)), f);
        }
        Path plain = Files.createFile(tmp.resolve("plain"));
        assertEquals(Files.getPosixFilePermissions(plain),
                Files.getPosixFilePermissions(runDir.resolve("latest/model.safetensors")),
                "checkpoint files get the umask's permissions like any other output, not owner-only");
        TrainerState state = Checkpoints.readState(runDir.resolve("latest"));
        assertEquals(24, state.step());
        assertEquals(24 * 64, state.tokensSeen());
        assertEquals(config(24), state.config());
        assertEquals(24, state.adamSteps());
        byte[] shard = Files.readAllBytes(data.resolve("synthetic_train_000000.bin"));
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(shard, 1024, shard.length - 1024);
        assertEquals(List.of(String.format("synthetic_train_000000.bin crc32 %08x", crc.getValue())), state.data());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("trainable: 1,056 params in 2 tensors; weight decay on 1 tensors (1,024")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.matches("step 24/24 \\| loss [0-9.]+ \\| lr 1\\.05e-02 \\| .* tok/s \\| MFU n/a \\| ETA 0:00:00")), lines.toString());
    }

    @Test
    void accumulatingMicroBatchesEqualsOneLargeBatch() throws IOException {
        // the same 8 windows per step, as one batch of 8 or as 4 micro-batches of 2 (float64, no dropout)
        TrainConfig base = config(10);
        ModelConfig model = ModelConfig.gpt2(VOCAB, 8, 1, 1, 4, 0.0);
        TrainConfig whole = new TrainConfig(model, base.optim(), new TrainingConfig(10, 0, 8, 8, 64, 5, "float64"),
                base.eval(), base.checkpoint(), base.log());
        TrainConfig accumulated = new TrainConfig(model, base.optim(),
                new TrainingConfig(10, 0, 2, 8, 64, 5, "float64"), base.eval(), base.checkpoint(), base.log());
        assertEquals(4, accumulated.train().accumulationSteps());
        List<StepMetrics> a = new ArrayList<>();
        List<StepMetrics> b = new ArrayList<>();
        train(whole, data, tmp.resolve("whole"), false, -1, a::add, new ArrayList<>());
        train(accumulated, data, tmp.resolve("accumulated"), false, -1, b::add, new ArrayList<>());
        for (int i = 0; i < 10; i++) {
            assertEquals(a.get(i).loss(), b.get(i).loss(), 1e-6, "loss at step " + (i + 1));
            assertEquals(a.get(i).gradNorm(), b.get(i).gradNorm(), 1e-9, "grad norm at step " + (i + 1));
        }
    }

    @Test
    void resumingAfterACrashRepeatsTheUninterruptedLossesExactly() throws IOException {
        Path straight = tmp.resolve("straight");
        train(config(24), data, straight, false, -1, m -> { }, new ArrayList<>());

        Path crashed = tmp.resolve("crashed");
        RuntimeException crash = new IllegalStateException("simulated crash");
        assertThrows(IllegalStateException.class, () -> train(config(24), data, crashed, false, -1, m -> {
            if (m.step() == 13) {
                throw crash;
            }
        }, new ArrayList<>()));
        assertEquals(12, losses(crashed).size(), "steps 9..12 were logged after the step-8 checkpoint");
        List<String> lines = new ArrayList<>();
        train(config(24), data, crashed, true, -1, m -> { }, lines);
        assertTrue(lines.contains("resuming from " + crashed.resolve("checkpoints/step-8") + " at step 8"), lines.toString());
        assertEquals(losses(straight), losses(crashed));
    }

    @Test
    void aTruncatedLatestCheckpointIsReportedAndThePreviousOneUsed() throws IOException {
        Path runDir = tmp.resolve("run");
        train(config(16), data, runDir, false, -1, m -> { }, new ArrayList<>());
        Path model = runDir.resolve("checkpoints/step-16/model.safetensors");
        try (FileChannel ch = FileChannel.open(model, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 100);
        }
        Path unfinished = Files.createDirectories(runDir.resolve("checkpoints/.tmp-step-24-123"));
        Files.writeString(unfinished.resolve(Checkpoints.MODEL), "half a file");
        List<String> lines = new ArrayList<>();
        train(config(16), data, runDir, true, -1, m -> { }, lines);
        assertFalse(Files.exists(unfinished));
        assertTrue(lines.contains("removed .tmp-step-24-123, a checkpoint left unfinished by an interrupted run"),
                lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("checkpoint " + runDir.resolve("checkpoints/step-16")
                + " is invalid and was moved to step-16.invalid") && l.contains("(truncated)")), lines.toString());
        assertTrue(lines.contains("resuming from " + runDir.resolve("checkpoints/step-8") + " at step 8"), lines.toString());
        assertTrue(Files.isDirectory(runDir.resolve("checkpoints/step-16")), "step 16 was trained and saved again");
        assertEquals(16, losses(runDir).size());
    }

    @Test
    void aTrainerStateThatNamesAnotherStepIsDamageAndThePreviousCheckpointIsUsed() throws IOException {
        Path runDir = tmp.resolve("run");
        train(config(16), data, runDir, false, -1, m -> { }, new ArrayList<>());
        Path state = runDir.resolve("checkpoints/step-16/trainer_state.json");
        Files.writeString(state, Files.readString(state).replaceFirst("\"step\" : 16,", "\"step\" : 7,"));
        List<String> lines = new ArrayList<>();
        train(config(16), data, runDir, true, -1, m -> { }, lines);
        assertTrue(lines.contains("checkpoint " + runDir.resolve("checkpoints/step-16") + " is invalid and was moved "
                + "to step-16.invalid: " + state + " says step 7 but the directory is step-16; trying the previous one"),
                lines.toString());
        assertTrue(lines.contains("resuming from " + runDir.resolve("checkpoints/step-8") + " at step 8"), lines.toString());
        assertEquals(16, losses(runDir).size());
    }

    @Test
    void aCheckpointWithAMissingTensorIsDamageAndThePreviousOneIsUsed() throws IOException {
        Path runDir = tmp.resolve("run");
        train(config(16), data, runDir, false, -1, m -> { }, new ArrayList<>());
        Path model = runDir.resolve("checkpoints/step-16/model.safetensors");
        ai.stratum.hf.Safetensors.write(model, List.of(new ai.stratum.hf.Safetensors.Source("wte.weight",
                new long[]{VOCAB, VOCAB}, org.nd4j.linalg.factory.Nd4j.zeros(VOCAB * VOCAB), 0)), java.util.Map.of());
        List<String> lines = new ArrayList<>();
        train(config(16), data, runDir, true, -1, m -> { }, lines);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("checkpoint " + runDir.resolve("checkpoints/step-16")
                + " is invalid and was moved to step-16.invalid: ") && l.contains("'bias'")), lines.toString());
        assertTrue(lines.contains("resuming from " + runDir.resolve("checkpoints/step-8") + " at step 8"), lines.toString());
    }

    @Test
    void pretrainingDataChangedUnderTheSameNamesIsRefused() throws IOException {
        Path runDir = tmp.resolve("run");
        train(config(8), data, runDir, false, -1, m -> { }, new ArrayList<>());
        Path shard = data.resolve("synthetic_train_000000.bin");
        byte[] bytes = Files.readAllBytes(shard);
        bytes[bytes.length - 2] = (byte) (bytes[bytes.length - 2] == 1 ? 2 : 1);
        Files.write(shard, bytes);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(config(16), data, runDir, true, -1, m -> { }, new ArrayList<>()));
        assertTrue(e.getMessage().startsWith("data: the checkpoint " + runDir.resolve("checkpoints/step-8")
                + " was trained on [synthetic_train_000000.bin crc32 "), e.getMessage());
        assertEquals(List.of(runDir.resolve("checkpoints/step-8")), new Checkpoints(runDir, 2).list());
    }

    @Test
    void resumingWithAnotherModelConfigIsAnErrorAndMovesNothing() throws IOException {
        Path runDir = tmp.resolve("run");
        train(config(8), data, runDir, false, -1, m -> { }, new ArrayList<>());
        TrainConfig other = config(8);
        TrainConfig wider = new TrainConfig(ModelConfig.gpt2(VOCAB + 1, 8, 1, 1, 4, 0.1), other.optim(), other.train(),
                other.eval(), other.checkpoint(), other.log());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(wider, data, runDir, true, -1, m -> { }, new ArrayList<>()));
        assertTrue(e.getMessage().startsWith("model: the checkpoint " + runDir.resolve("checkpoints/step-8")
                + " was made with model.vocab_size 32 (the config asks for 33); resume with the run's saved config"),
                e.getMessage());
        assertEquals(List.of(runDir.resolve("checkpoints/step-8")), new Checkpoints(runDir, 2).list());
    }

    @Test
    void aNanLossStopsTheRunAndKeepsTheLastGoodCheckpoint() throws IOException {
        Path runDir = tmp.resolve("run");
        // forward calls 1-16 are steps 1-8 (two micro-steps each), 17-19 the evaluation at step 8, 21 step 9's second
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> train(config(24), data, runDir, false, 21, m -> { }, new ArrayList<>()));
        assertTrue(e.getMessage().startsWith("step 9: loss is NaN; training stopped. The last good checkpoint is "
                + runDir.resolve("checkpoints/step-8")), e.getMessage());
        assertEquals(List.of(runDir.resolve("checkpoints/step-8")), new Checkpoints(runDir, 2).list());
        assertEquals(8, losses(runDir).size());
    }

    @Test
    void weightsThatTurnNonFiniteAreNeverSavedAsACheckpoint() throws IOException {
        Path runDir = tmp.resolve("run");
        TrainConfig base = config(8);
        // a learning rate beyond float's range: step 1's loss is finite, the weights after its update are not
        TrainConfig exploding = new TrainConfig(base.model(), new OptimConfig(1e300, 0, 1, 0.0, 0.9, 0.95, 1e-8, 0),
                base.train(), base.eval(), new CheckpointConfig(1, 2), base.log());
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> train(exploding, data, runDir, false, -1, m -> { }, new ArrayList<>()));
        assertTrue(e.getMessage().startsWith("step 1: ") && e.getMessage().contains(" weights are NaN or infinite "
                + "after the update, so no checkpoint was saved; training stopped. No checkpoint was written yet."),
                e.getMessage());
        assertEquals(List.of(), new Checkpoints(runDir, 2).list());
    }

    @Test
    void aCheckpointWithNanWeightsIsSetAsideOnResume() throws IOException {
        Path runDir = tmp.resolve("run");
        List<Double> straight;
        train(config(16), data, runDir, false, -1, m -> { }, new ArrayList<>());
        straight = losses(runDir);
        Path model = runDir.resolve("checkpoints/step-16/model.safetensors");
        try (FileChannel ch = FileChannel.open(model, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer len = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            java.nio.ByteBuffer nan = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .putFloat(Float.NaN).flip();
            ch.write(nan, 8 + len.getLong(0));
        }
        List<String> lines = new ArrayList<>();
        train(config(16), data, runDir, true, -1, m -> { }, lines);
        assertTrue(lines.contains("checkpoint " + runDir.resolve("checkpoints/step-16") + " is invalid and was moved "
                + "to step-16.invalid: 1 of its weights are NaN or infinite (saved by a run that had diverged); "
                + "trying the previous one"), lines.toString());
        assertTrue(lines.contains("resuming from " + runDir.resolve("checkpoints/step-8") + " at step 8"), lines.toString());
        assertEquals(straight, losses(runDir));
    }

    @Test
    void withoutValidationShardsEvaluationIsSkippedWithANote() throws IOException {
        Path trainOnly = tmp.resolve("train-only");
        Files.createDirectories(trainOnly);
        Files.copy(data.resolve("synthetic_train_000000.bin"), trainOnly.resolve("synthetic_train_000000.bin"));
        List<String> lines = new ArrayList<>();
        Trainer.Result result = train(config(8), trainOnly, tmp.resolve("run"), false, -1, m -> { }, lines);
        assertEquals(null, result.val());
        assertEquals(1, lines.stream().filter(l -> l.equals("no validation data in " + trainOnly
                + "; skipping evaluation")).count(), lines.toString());
        assertTrue(MetricsLog.read(tmp.resolve("run")).stream().noneMatch(n -> n.has("val_loss")));
    }

    @Test
    void aFreshRunRefusesARunDirectoryWithCheckpoints() throws IOException {
        Path runDir = tmp.resolve("run");
        train(config(8), data, runDir, false, -1, m -> { }, new ArrayList<>());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(config(8), data, runDir, false, -1, m -> { }, new ArrayList<>()));
        assertTrue(e.getMessage().startsWith("run_dir: ") && e.getMessage().contains("--resume"), e.getMessage());
        List<String> lines = new ArrayList<>();
        train(config(8), data, runDir, true, -1, m -> { }, lines);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("nothing to do")), lines.toString());
        Path otherData = tmp.resolve("other");
        SyntheticShards.writeShard(otherData.resolve("web_train_000001.bin"), new int[1000], false);
        IllegalArgumentException wrongData = assertThrows(IllegalArgumentException.class,
                () -> train(config(8), otherData, runDir, true, -1, m -> { }, new ArrayList<>()));
        assertTrue(wrongData.getMessage().startsWith("data: ") && wrongData.getMessage().contains(
                "[synthetic_train_000000.bin crc32 ") && wrongData.getMessage().contains("] but " + otherData
                + " has [web_train_000001.bin crc32 "), wrongData.getMessage());
        assertFalse(Files.exists(runDir.resolve("checkpoints/step-16")));
    }

    @Test
    void checkpointRoundTripRestoresParametersAndMoments() throws IOException {
        Path runDir = tmp.resolve("run");
        train(config(8), data, runDir, false, -1, m -> { }, new ArrayList<>());
        Path ckpt = runDir.resolve("latest");
        try (BigramModel a = new BigramModel(config(8).model(), org.nd4j.linalg.api.buffer.DataType.FLOAT, -1)) {
            a.loadWeights(ckpt);
            TrainableSet set = TrainableSet.all(a.layout());
            AdamW adam = new AdamW(config(8).optim(), set, a.params(), a.grads());
            Checkpoints.loadOptimizer(ckpt, adam);
            assertEquals(8, adam.stepsTaken());
            assertTrue(adam.v().minNumber().doubleValue() >= 0 && adam.v().maxNumber().doubleValue() > 0);
            Path again = tmp.resolve("again");
            TrainerState state = Checkpoints.readState(ckpt);
            new Checkpoints(again, 1).save(state, a, adam, VOCAB - 1, null);
            assertEquals(-1L, Files.mismatch(ckpt.resolve("model.safetensors"),
                    again.resolve("checkpoints/step-8/model.safetensors")));
            assertEquals(-1L, Files.mismatch(ckpt.resolve("optimizer.safetensors"),
                    again.resolve("checkpoints/step-8/optimizer.safetensors")));
        }
    }
}
