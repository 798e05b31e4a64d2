package ai.stratum.cli.train;

import ai.stratum.cli.Main;
import ai.stratum.config.ConfigLoader;
import ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson;
import ai.stratum.fixtures.tokens.SyntheticShards;
import ai.stratum.train.FinetuneConfig;
import ai.stratum.hf.PeftAdapter;
import ai.stratum.train.sft.SequencePacker;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static ai.stratum.cli.train.TrainCommandsTest.concat;
import static ai.stratum.cli.train.TrainCommandsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pretrain a tiny base -> finetune (LoRA) -> generate/eval with the adapter unmerged -> merge -> the merged model
 * gives the same loss and text, all through {@code Main.run}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FinetuneCommandsTest {

    @TempDir
    static Path tmp;
    static Path base;
    static Path runDir;
    static Path train;
    static Path val;

    /** Byte tokens, end-of-text (256) and the template's tokens (257..260): 261. */
    static final List<String> SPECIALS = List.of("<|endoftext|>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>");

    static final String[] TINY_LORA = {
            "--set", "train.max_steps=8", "--set", "train.micro_batch_size=2", "--set", "train.seq_len=48",
            "--set", "train.batch_size_tokens=96", "--set", "optim.lr=0.05", "--set", "optim.warmup_steps=1",
            "--set", "eval.every=4", "--set", "checkpoint.every=4", "--set", "log.every=1",
            "--set", "lora.target_modules=[c_attn, attn.c_proj, c_fc, mlp.c_proj]", "--set", "lora.dropout=0.0"};

    @BeforeAll
    static void pretrainABase() throws IOException {
        Path data = tmp.resolve("data");
        SyntheticShards.writeDataset(data, 256, 20_000, 2_000, 1);
        ByteLevelTokenizerJson.write(data.resolve("tokenizer.json"), SPECIALS);
        Path pretrainRun = tmp.resolve("runs/base");
        TrainCommandsTest.Result r = run("pretrain", "--preset", "tiny-cpu", "--set", "model.vocab_size=261",
                "--set", "model.context_length=64", "--set", "model.n_layer=1", "--set", "model.n_head=2",
                "--set", "model.d_model=32", "--set", "train.max_steps=4", "--set", "train.micro_batch_size=2",
                "--set", "train.seq_len=64", "--set", "train.batch_size_tokens=128", "--set", "optim.warmup_steps=1",
                "--set", "eval.every=0", "--set", "checkpoint.every=0",
                "--data", data.toString(), "--run-dir", pretrainRun.toString());
        assertEquals(0, r.code(), r.err());
        base = pretrainRun.resolve("latest");
        runDir = tmp.resolve("runs/lora");
        List<String> lines = new ArrayList<>();
        List<String> valLines = new ArrayList<>();
        String[] colours = {"red", "blue", "green", "black", "white", "grey"};
        for (int i = 0; i < 24; i++) {
            String c = colours[i % colours.length];
            String line = "{\"prompt\": \"colour " + i + "?\", \"response\": \"It is " + c + ".\"}";
            (i % 4 == 3 ? valLines : lines).add(line);
        }
        lines.add("{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, "
                + "{\"role\": \"user\", \"content\": \"sky?\"}, {\"role\": \"assistant\", \"content\": \"blue\"}]}");
        Files.createDirectories(tmp.resolve("sft"));
        train = Files.write(tmp.resolve("sft/train.jsonl"), lines);
        val = Files.write(tmp.resolve("sft/val.jsonl"), valLines);
    }

    @Test
    @Order(1)
    void finetuneWritesAdapterCheckpoints() throws IOException {
        TrainCommandsTest.Result r = run(concat(concat(new String[]{"finetune", "--preset", "finetune-lora"}, TINY_LORA),
                "--base", base.toString(), "--data", train.toString(), "--val", val.toString(),
                "--run-dir", runDir.toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("steps 8 \\| loss [0-9.]+ \\| val loss [0-9.]+ \\| val ppl [0-9.]+ \\| checkpoint .*step-8\\s*"),
                r.out());
        assertTrue(r.err().contains("sft train.jsonl: 19 examples, 19 packed, 0 truncated, 0 dropped"), r.err());
        assertTrue(r.err().contains("sft val.jsonl: 6 examples, 6 packed"), r.err());
        assertTrue(r.err().contains("parameters: ") && r.err().contains(" trainable of "), r.err());
        Path latest = runDir.resolve("latest");
        for (String f : List.of(PeftAdapter.CONFIG, PeftAdapter.WEIGHTS, "tokenizer.json", "trainer_state.json",
                "optimizer.safetensors")) {
            assertTrue(Files.isRegularFile(latest.resolve(f)), f);
        }
        assertFalse(Files.exists(latest.resolve("model.safetensors")));
        FinetuneConfig saved = ConfigLoader.load(FinetuneConfig.class, null, runDir.resolve("config.yaml"), List.of())
                .value();
        assertEquals(List.of("c_attn", "attn.c_proj", "c_fc", "mlp.c_proj"), saved.lora().targetModules());
        assertEquals(SequencePacker.Overflow.TRUNCATE, saved.sft().overflow());
    }

    @Test
    @Order(2)
    void resumeKeepsTheRunsConfigBaseAndData() throws IOException {
        // the run saved keep_last 3 of the preset and 8 steps; resuming to 12 with only --set
        TrainCommandsTest.Result r = run("finetune", "--run-dir", runDir.toString(), "--resume",
                "--set", "train.max_steps=12");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("resuming from " + runDir.resolve("checkpoints/step-8") + " at step 8"), r.err());
        assertTrue(r.out().startsWith("steps 12 |"), r.out());
        FinetuneConfig saved = ConfigLoader.load(FinetuneConfig.class, null, runDir.resolve("config.yaml"), List.of())
                .value();
        assertEquals(12, saved.train().maxSteps());
        assertEquals(4, saved.checkpoint().every());
        assertEquals(List.of("c_attn", "attn.c_proj", "c_fc", "mlp.c_proj"), saved.lora().targetModules());
        assertTrue(Files.isDirectory(runDir.resolve("checkpoints/step-12")), "saved checkpoint.every=4 kept");
        assertTrue(Files.isDirectory(runDir.resolve("checkpoints/step-8")));
    }

    static double loss(TrainCommandsTest.Result r) {
        assertEquals(0, r.code(), r.err());
        return Double.parseDouble(r.out().trim().split(" \\| ")[0].replaceFirst("^(sft|val) loss ", ""));
    }

    @Test
    @Order(3)
    void mergedModelMatchesTheUnmergedAdapter() {
        Path adapter = runDir.resolve("latest");
        Path merged = tmp.resolve("merged");
        TrainCommandsTest.Result m = run("merge", "--base", base.toString(), "--adapter", adapter.toString(),
                "--out", merged.toString());
        assertEquals(0, m.code(), m.err());
        assertTrue(Files.isRegularFile(merged.resolve("tokenizer.json")) && Files.isRegularFile(merged.resolve("config.json")));

        double baseLoss = loss(run("eval", "--checkpoint", base.toString(), "--sft", val.toString(),
                "--tokenizer", adapter.resolve("tokenizer.json").toString(), "--batch-size", "2"));
        double adapted = loss(run("eval", "--adapter", adapter.toString(), "--sft", val.toString(),
                "--batch-size", "2"));
        double mergedLoss = loss(run("eval", "--checkpoint", merged.toString(), "--sft", val.toString(),
                "--batch-size", "2"));
        assertTrue(adapted < baseLoss - 0.1, "the adapter changes the model: " + baseLoss + " -> " + adapted);
        assertEquals(adapted, mergedLoss, 2e-4);

        String[] chat = {"--prompt", "colour 3?", "--chat", "--temperature", "0", "--max-new-tokens", "12"};
        TrainCommandsTest.Result unmergedText = run(concat(new String[]{"generate", "--adapter", adapter.toString()}, chat));
        TrainCommandsTest.Result mergedText = run(concat(new String[]{"generate", "--checkpoint", merged.toString()}, chat));
        assertEquals(0, unmergedText.code(), unmergedText.err());
        assertEquals(0, mergedText.code(), mergedText.err());
        assertEquals(unmergedText.out(), mergedText.out());
        assertFalse(unmergedText.out().contains("colour 3?"), "--chat prints only the answer");
    }

    @Test
    @Order(4)
    void evalOfAnAdapterOnTokenShards() {
        TrainCommandsTest.Result r = run("eval", "--adapter", runDir.resolve("latest").toString(), "--data",
                tmp.resolve("data").toString(), "--steps", "2", "--batch-size", "2", "--seq-len", "32");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("val loss ") && r.out().contains("| 128 tokens"), r.out());
        TrainCommandsTest.Result neither = run("eval", "--adapter", runDir.resolve("latest").toString());
        assertEquals(Main.USER_ERROR, neither.code());
        assertTrue(neither.err().contains("--data DIR (token shards) and --sft FILE"), neither.err());
    }

    @Test
    void fullFinetuneWritesFullCheckpoints() throws IOException {
        Path full = tmp.resolve("runs/full");
        TrainCommandsTest.Result r = run("finetune", "--preset", "finetune-full", "--base", base.toString(),
                "--data", train.toString(), "--run-dir", full.toString(), "--set", "train.max_steps=2",
                "--set", "train.micro_batch_size=2", "--set", "train.seq_len=48", "--set", "train.batch_size_tokens=96",
                "--set", "optim.warmup_steps=1", "--set", "checkpoint.every=0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("no validation data in train.jsonl; skipping evaluation"), r.err());
        Path latest = full.resolve("latest");
        assertTrue(Files.isRegularFile(latest.resolve("model.safetensors")));
        assertFalse(Files.exists(latest.resolve(PeftAdapter.CONFIG)));
        TrainCommandsTest.Result text = run("generate", "--checkpoint", latest.toString(), "--chat", "--prompt", "sky?",
                "--temperature", "0", "--max-new-tokens", "4");
        assertEquals(0, text.code(), text.err());
    }

    @Test
    void malformedSftLineExitsWithTwoNamingFileAndLine() throws IOException {
        Path bad = Files.write(tmp.resolve("bad.jsonl"), List.of("{\"prompt\": \"a\", \"response\": \"b\"}",
                "{\"prompt\": 3}"));
        TrainCommandsTest.Result r = run("finetune", "--base", base.toString(), "--data", bad.toString(),
                "--run-dir", tmp.resolve("runs/bad").toString(), "--set", "train.seq_len=48",
                "--set", "train.batch_size_tokens=384");
        assertEquals(Main.USER_ERROR, r.code());
        assertTrue(r.err().contains(bad + ":2: "), r.err());
    }

    @Test
    void presetsBindAndDryRunPrintsThem() {
        FinetuneConfig lora = ConfigLoader.load(FinetuneConfig.class, "finetune-lora", null, List.of()).value();
        assertTrue(lora.usesLora());
        assertEquals(List.of("c_attn", "attn.c_proj"), lora.lora().targetModules());
        assertEquals(8, lora.lora().r());
        FinetuneConfig full = ConfigLoader.load(FinetuneConfig.class, "finetune-full", null, List.of()).value();
        assertFalse(full.usesLora());
        assertTrue(full.optim().lr() < lora.optim().lr());
        TrainCommandsTest.Result r = run("finetune", "--preset", "finetune-full", "--dry-run");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("method: full"), r.out());
        TrainCommandsTest.Result bad = run("finetune", "--set", "method=adapter", "--dry-run");
        assertEquals(Main.USER_ERROR, bad.code());
        assertTrue(bad.err().contains("method"), bad.err());
    }
}
