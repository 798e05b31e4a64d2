package ai.stratum.train;

import ai.stratum.hf.BaseModel;
import ai.stratum.hf.HfConfig;
import ai.stratum.hf.PeftAdapter;
import ai.stratum.hf.Safetensors;
import ai.stratum.train.checkpoint.CheckpointConfig;
import ai.stratum.train.checkpoint.Checkpoints;
import ai.stratum.train.optim.AdamW;
import ai.stratum.train.optim.OptimConfig;
import ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson;
import ai.stratum.fixtures.world.SyntheticWorld;
import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.kernels.Nd4jKernels;
import ai.stratum.model.ParameterLayout;
import ai.stratum.model.TensorSpec;
import ai.stratum.model.lora.LoraConfig;
import ai.stratum.tokenizer.Tokenizer;
import ai.stratum.train.sft.ChatTemplate;
import ai.stratum.train.sft.SequencePacker;
import ai.stratum.train.sft.SftConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fine-tuning through the one trainer loop: LoRA and full, from a tiny base written in Hugging Face layout. */
class FinetuneTest {

    /** 256 bytes, end-of-text, then the chat template's four tokens: 261. */
    static final List<String> SPECIALS = new ArrayList<>(List.of(Tokenizer.END_OF_TEXT));

    static {
        SPECIALS.addAll(ChatTemplate.DEFAULT.specialTokens());
    }

    @TempDir
    Path tmp;

    /**
     * A random tiny GPT as a base directory: config.json, model.safetensors, tokenizer.json. The token embedding
     * is scaled up from GPT-2's init (std 0.02 to 0.4): with the tied head and the final LayerNorm frozen, tiny
     * embeddings would cap how far any adapter can move the logits from uniform, as no trained model's are.
     */
    static Path writeBase(Path dir, List<String> specials, int vocab) throws IOException {
        Files.createDirectories(dir);
        try (DecoderModel gpt = new DecoderModel(new Decoder(ModelConfig.gpt2(vocab, 64, 2, 2, 32, 0.0), 1, 64,
                DataType.FLOAT, new Nd4jKernels()))) {
            gpt.initWeights(42);
            TensorSpec wte = gpt.layout().get("tok_embeddings.weight");
            tensor(gpt.params(), wte).muli(20);
            gpt.saveWeights(dir, 256);
        }
        ByteLevelTokenizerJson.write(dir.resolve("tokenizer.json"), specials);
        return dir;
    }

    static Path writeSft(Path file, long seed, int count) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        for (SyntheticWorld.Instruction i : SyntheticWorld.create(7, 6, 3).instructions(seed, count)) {
            ObjectNode n = json.createObjectNode();
            n.put("prompt", i.prompt());
            n.put("response", i.response());
            lines.add(json.writeValueAsString(n));
        }
        Files.createDirectories(file.getParent());
        Files.write(file, lines);
        return file;
    }

    static FinetuneConfig config(String method, long steps, double lr, double loraDropout, int checkpointEvery) {
        return new FinetuneConfig(method, new LoraConfig(4, 8, loraDropout, LoraConfig.GPT2_LINEARS),
                new SftConfig(false, SequencePacker.Overflow.TRUNCATE, ChatTemplate.DEFAULT),
                new OptimConfig(lr, lr / 10, 2, 0.0, 0.9, 0.95, 1e-8, 1.0),
                new TrainingConfig(steps, 0, 4, 64, 256, 3, "float32"),
                new EvalConfig(0, 4), new CheckpointConfig(checkpointEvery, 3), new LogConfig(1));
    }

    record Run(Trainer.Result result, List<Double> losses, List<String> lines) {
    }

    /** Runs a fine-tune; {@code onModel} sees the model at every step (while it is open). */
    Run finetune(FinetuneConfig cfg, Path base, Path runDir, boolean resume, Consumer<LanguageModel> onModel,
                 long stopAfter) throws IOException {
        Path train = writeSft(tmp.resolve("sft/train.jsonl"), 1, 24);
        Path val = writeSft(tmp.resolve("sft/val.jsonl"), 2, 8);
        List<String> lines = new ArrayList<>();
        Finetune.Prepared p = Finetune.prepare(new Finetune.Request(cfg, base, train, val, runDir, resume, 0),
                lines::add);
        LanguageModel[] created = new LanguageModel[1];
        ModelFactory capture = (c, b, t, d) -> created[0] = p.factory().create(c, b, t, d);
        List<Double> losses = new ArrayList<>();
        Trainer.Result r = new Trainer(p.run(), capture, lines::add, m -> {
            losses.add(m.loss());
            onModel.accept(created[0]);
            if (m.step() == stopAfter) {
                throw new IllegalStateException("interrupted at step " + m.step());
            }
        }).run();
        return new Run(r, losses, lines);
    }

    static float[] floats(INDArray a) {
        return a.dup().castTo(DataType.FLOAT).reshape(a.length()).toFloatVector();
    }

    @Test
    void aBaseWithItsOwnChatTemplateIsFineTunedOnItsRenderingAndItsCheckpointsCarryTheTemplate()
            throws IOException {
        // a ChatML-style template written for this test; its tokens are the base tokenizer's own (no growth)
        Path base = writeBase(tmp.resolve("chatml-base"), List.of(Tokenizer.END_OF_TEXT, "<|im_start|>", "<|im_end|>"),
                259);
        String template = "{% for m in messages %}<|im_start|>{{ m.role }}\\n{{ m.content }}<|im_end|>\\n{% endfor %}"
                + "{% if add_generation_prompt %}<|im_start|>assistant\\n{% endif %}";
        String config = "{\"eos_token\": \"<|im_end|>\", \"chat_template\": \"" + template + "\"}";
        Files.writeString(base.resolve("tokenizer_config.json"), config);
        FinetuneConfig lora = config(FinetuneConfig.LORA, 4, 5e-2, 0.0, 4);
        FinetuneConfig auto = new FinetuneConfig(lora.method(), lora.lora(), new SftConfig(false,
                SequencePacker.Overflow.TRUNCATE, ChatTemplate.DEFAULT, "auto"), lora.optim(), lora.train(),
                lora.eval(), lora.checkpoint(), lora.log());
        Run run = finetune(auto, base, tmp.resolve("chatml-run"), false, m -> { }, -1);
        assertTrue(run.lines().stream().anyMatch(l -> l.startsWith("chat template: the base's chat_template")),
                String.join("\n", run.lines()));
        Path latest = tmp.resolve("chatml-run").resolve("checkpoints").resolve("step-4");
        assertEquals(config, Files.readString(latest.resolve("tokenizer_config.json")));
        // the checkpoint's tokenizer is the base's, unchanged: the template's tokens were not added again
        assertEquals(259, Tokenizer.load(latest).vocabSize());
    }

    @Test
    void loraTrainsOnlyTheAdaptersThroughTheLoopAndLowersTheLoss() throws IOException {
        Path base = writeBase(tmp.resolve("base"), SPECIALS, 261);
        float[][] baseBefore = new float[1][];
        float[][] baseAfter = new float[1][];
        Run run = finetune(config(FinetuneConfig.LORA, 40, 5e-2, 0.0, 0), base, tmp.resolve("run"), false,
                m -> {
                    Decoder gpt = ((LoraModel) m).base();
                    if (baseBefore[0] == null) {
                        baseBefore[0] = floats(gpt.params());
                    }
                    baseAfter[0] = floats(gpt.params());
                }, -1);
        List<Double> l = run.losses();
        double first = l.get(0);
        double last = l.subList(l.size() - 5, l.size()).stream().mapToDouble(d -> d).average().orElseThrow();
        assertTrue(last < first - 1.0, "loss " + l);
        assertArrayEquals(baseBefore[0], baseAfter[0], "the base weights are bit-identical after training");
        Path ckpt = run.result().lastCheckpoint();
        assertFalse(Files.exists(ckpt.resolve(Checkpoints.MODEL)), "a LoRA checkpoint holds no full model");
        assertTrue(Files.isRegularFile(ckpt.resolve(PeftAdapter.CONFIG)));
        Safetensors.Header adapter = Safetensors.readHeader(ckpt.resolve(PeftAdapter.WEIGHTS));
        long adapterParams = adapter.tensors().values().stream().mapToLong(Safetensors.Entry::elements).sum();
        // 2 layers x (c_attn 32->96, attn.c_proj 32->32, c_fc 32->128, mlp.c_proj 128->32) at r = 4
        assertEquals(2L * 4 * ((32 + 96) + (32 + 32) + (32 + 128) + (128 + 32)), adapterParams);
        Safetensors.Header optimizer = Safetensors.readHeader(ckpt.resolve(Checkpoints.OPTIMIZER));
        assertEquals(2 * adapterParams,
                optimizer.tensors().values().stream().mapToLong(Safetensors.Entry::elements).sum(),
                "AdamW keeps two moments per adapter parameter and none for the base");
        assertEquals(Tokenizer.load(base).fingerprint(), Tokenizer.load(ckpt.resolve("tokenizer.json")).fingerprint());
        assertTrue(run.lines().stream().anyMatch(s -> s.startsWith("sft train.jsonl: 24 examples, 24 packed")),
                run.lines().toString());
        assertTrue(run.lines().stream().anyMatch(s -> s.startsWith("parameters: " + String.format("%,d", adapterParams)
                + " trainable of ")), run.lines().toString());
        assertTrue(run.result().val() != null && run.result().val().loss() < first,
                "held-out SFT loss " + run.result().val());
    }

    @Test
    void anInterruptedLoraRunResumesWithIdenticalLosses() throws IOException {
        Path base = writeBase(tmp.resolve("base"), SPECIALS, 261);
        FinetuneConfig cfg = config(FinetuneConfig.LORA, 10, 1e-2, 0.1, 4);
        List<Double> straight = finetune(cfg, base, tmp.resolve("straight"), false, m -> { }, -1).losses();
        Path runDir = tmp.resolve("interrupted");
        IllegalStateException stop = assertThrows(IllegalStateException.class,
                () -> finetune(cfg, base, runDir, false, m -> { }, 6));
        assertTrue(stop.getMessage().contains("step 6"));
        Run resumed = finetune(cfg, base, runDir, true, m -> { }, -1);
        assertTrue(resumed.lines().stream().anyMatch(s -> s.contains("resuming from") && s.contains("step-4")),
                resumed.lines().toString());
        assertEquals(straight.subList(4, 10), resumed.losses());

        Path adapterWeights = runDir.resolve("checkpoints/step-10").resolve(PeftAdapter.WEIGHTS);
        try (var ch = java.nio.channels.FileChannel.open(adapterWeights, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 8);
        }
        Run redone = finetune(cfg, base, runDir, true, m -> { }, -1);
        assertTrue(redone.lines().stream().anyMatch(s -> s.contains("step-10 is invalid and was moved to step-10.invalid")),
                redone.lines().toString());
        assertEquals(straight.subList(8, 10), redone.losses(), "a truncated adapter is skipped for the one before");

        FinetuneConfig otherRank = new FinetuneConfig(cfg.method(), new LoraConfig(2, 8, 0.1, LoraConfig.GPT2_LINEARS),
                cfg.sft(), cfg.optim(), cfg.train(), cfg.eval(), cfg.checkpoint(), cfg.log());
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> finetune(otherRank, base, runDir, true, m -> { }, -1));
        assertTrue(wrong.getMessage().startsWith("model: ") && wrong.getMessage().contains("r=4")
                && wrong.getMessage().contains("r=2"), wrong.getMessage());
        assertTrue(Files.isDirectory(runDir.resolve("checkpoints/step-10")),
                "an adapter of another config is not damage: nothing is moved aside");
    }

    @Test
    void resumingOnAnotherBaseIsRefusedAndACopyOfTheSameBaseIsAccepted() throws IOException {
        Path base = writeBase(tmp.resolve("base"), SPECIALS, 261);
        FinetuneConfig cfg = config(FinetuneConfig.LORA, 4, 1e-2, 0.0, 2);
        Path runDir = tmp.resolve("run");
        assertThrows(IllegalStateException.class, () -> finetune(cfg, base, runDir, false, m -> { }, 3));
        Path other = writeBase(tmp.resolve("other"), SPECIALS, 262);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> finetune(cfg, other, runDir, true, m -> { }, -1));
        assertTrue(e.getMessage().startsWith("base: this run was started from " + base.toAbsolutePath())
                && e.getMessage().contains(other.toString()), e.getMessage());

        Path moved = tmp.resolve("moved");
        Files.createDirectories(moved);
        for (String f : new String[] {HfConfig.FILE, Checkpoints.MODEL, "tokenizer.json"}) {
            Files.copy(base.resolve(f), moved.resolve(f));
        }
        Run resumed = finetune(cfg, moved, runDir, true, m -> { }, -1);
        assertTrue(resumed.lines().stream().anyMatch(s -> s.contains("resuming from")), resumed.lines().toString());
        assertEquals(4, resumed.result().steps());
    }

    @Test
    void fullFinetuneGrowsTheVocabularyAndChangesEveryWeight() throws IOException {
        Path base = writeBase(tmp.resolve("base"), List.of(Tokenizer.END_OF_TEXT), 257);
        BaseModel opened = BaseModel.open(base, ChatTemplate.DEFAULT.specialTokens());
        assertEquals(261, opened.config().vocabSize());
        ParameterLayout grown = ParameterLayout.decoder(opened.config());
        ParameterLayout stored = ParameterLayout.decoder(opened.stored());
        INDArray before = Nd4j.zeros(DataType.FLOAT, stored.size());
        Checkpoints.loadParams(base, stored, before);
        INDArray loaded = Nd4j.zeros(DataType.FLOAT, grown.size());
        opened.loadInto(grown, loaded);
        INDArray wte = tensor(before, stored.get("tok_embeddings.weight"));
        INDArray wteGrown = tensor(loaded, grown.get("tok_embeddings.weight"));
        for (int row = 257; row < 261; row++) {
            assertArrayEquals(floats(wte.mean(0)), floats(wteGrown.getRow(row)), 1e-6f);
        }
        for (TensorSpec t : stored.tensors()) {
            INDArray expected = tensor(before, t);
            INDArray actual = t.name().equals("tok_embeddings.weight")
                    ? wteGrown.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 257),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()) : tensor(loaded, grown.get(t.name()));
            assertArrayEquals(floats(expected), floats(actual), 0f, t.name());
        }

        IllegalArgumentException lora = assertThrows(IllegalArgumentException.class,
                () -> finetune(config(FinetuneConfig.LORA, 2, 1e-2, 0, 0), base, tmp.resolve("lora"), false,
                        m -> { }, -1));
        assertTrue(lora.getMessage().startsWith("method: lora keeps the base frozen"), lora.getMessage());

        Run run = finetune(config(FinetuneConfig.FULL, 4, 1e-3, 0, 0), base, tmp.resolve("full"), false,
                m -> { }, -1);
        Path ckpt = run.result().lastCheckpoint();
        assertEquals(opened.config(), HfConfig.read(ckpt));
        INDArray after = Nd4j.zeros(DataType.FLOAT, grown.size());
        Checkpoints.loadParams(ckpt, grown, after);
        for (TensorSpec t : grown.tensors()) {
            double change = tensor(after, t).sub(tensor(loaded, t)).amaxNumber().doubleValue();
            assertTrue(change > 0, t.name() + " did not change");
        }
        Tokenizer saved = Tokenizer.load(ckpt.resolve("tokenizer.json"));
        for (String s : ChatTemplate.DEFAULT.specialTokens()) {
            assertTrue(saved.specialTokenId(s).isPresent(), s);
        }
        assertEquals(261, saved.vocabSize());
    }

    static INDArray tensor(INDArray flat, TensorSpec t) {
        return ai.stratum.model.Views.of(flat, t.offset(), t.shape());
    }
}
