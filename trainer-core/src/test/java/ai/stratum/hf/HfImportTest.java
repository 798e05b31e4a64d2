package ai.stratum.hf;

import ai.stratum.train.EvalConfig;
import ai.stratum.train.Finetune;
import ai.stratum.train.FinetuneConfig;
import ai.stratum.train.DecoderModel;
import ai.stratum.train.LogConfig;
import ai.stratum.train.Trainer;
import ai.stratum.train.TrainingConfig;
import ai.stratum.train.checkpoint.CheckpointConfig;
import ai.stratum.train.checkpoint.Checkpoints;
import ai.stratum.train.optim.OptimConfig;
import ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson;
import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.TensorSpec;
import ai.stratum.hf.WeightMap;
import ai.stratum.hf.Family;
import ai.stratum.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Base checkpoints laid out as Hugging Face saves GPT-2 models load, and export then import is the identity. */
class HfImportTest {

    @TempDir
    Path dir;

    static final ModelConfig CONFIG = ModelConfig.gpt2(258, 16, 2, 2, 8, 0.0);

    static Decoder model() {
        // the kernels DecoderModel.load uses, so the export/import comparison can be exact
        Decoder gpt = new Decoder(CONFIG, 1, 8, DataType.FLOAT, Kernels.forCurrentBackend());
        gpt.initWeights(21);
        for (TensorSpec t : gpt.layout().tensors()) {
            if (t.name().endsWith(".bias")) {
                gpt.param(t.name()).assign(0.01 * t.offset() % 0.3); // biases nonzero, so each one is checked
            }
        }
        return gpt;
    }

    /** A directory as {@code GPT2LMHeadModel.save_pretrained} + the slow tokenizer write it. */
    Path huggingFaceDirectory(Decoder gpt) throws IOException {
        Path hf = Files.createDirectories(dir.resolve("hf-gpt2"));
        HfConfig.write(hf, CONFIG, 256, "float32");
        List<Safetensors.Source> sources = hfTensors(gpt, "transformer.");
        TensorSpec wte = gpt.layout().get("tok_embeddings.weight");
        sources.add(new Safetensors.Source("lm_head.weight", wte.shape(), gpt.params(), wte.offset()));
        INDArray mask = Nd4j.ones(DataType.FLOAT, 1, 1, 16, 16);
        sources.add(new Safetensors.Source("transformer.h.0.attn.bias", new long[] {1, 1, 16, 16}, mask, 0));
        Safetensors.write(hf.resolve(Checkpoints.MODEL), sources, Map.of("format", "pt"));
        Tokenizer tok = Tokenizer.load(ByteLevelTokenizerJson.write(dir.resolve("tok.json"), List.of(Tokenizer.END_OF_TEXT)));
        Path slow = Files.createDirectories(dir.resolve("slow"));
        tok.saveGpt2(slow);
        Files.move(slow.resolve("encoder.json"), hf.resolve("vocab.json"));
        Files.move(slow.resolve("vocab.bpe"), hf.resolve("merges.txt"));
        return hf;
    }

    /** The model's tensors under GPT-2's Hugging Face names and Conv1D [in, out] layouts. */
    static List<Safetensors.Source> hfTensors(Decoder gpt, String prefix) {
        WeightMap map = WeightMap.of(Family.GPT2, CONFIG);
        List<Safetensors.Source> sources = new ArrayList<>();
        for (WeightMap.Part p : map.parts()) {
            float[] values = map.toHf(p, gpt.param(p.internal()).dup('c').data().asFloat());
            sources.add(new Safetensors.Source(prefix + p.hf(), p.hfShape(), Nd4j.createFromArray(values), 0));
        }
        return sources;
    }

    @Test
    void huggingFaceLayoutLoadsWithPrefixMaskBuffersTiedHeadAndSlowTokenizerFiles() throws IOException {
        try (Decoder original = model()) {
            Path hf = huggingFaceDirectory(original);
            try (Decoder loaded = DecoderModel.load(hf, 1, 8)) {
                assertEquals(CONFIG, loaded.config());
                assertArrayEquals(original.params().toFloatVector(), loaded.params().toFloatVector());
            }
            Tokenizer tok = Tokenizer.load(hf);
            assertEquals(257, tok.vocabSize());
            assertEquals(256, tok.eotId());
            assertEquals("héllo", tok.decode(tok.encodeOrdinary("héllo")));
        }
    }

    @Test
    void aFullFinetuneStartsFromAHuggingFaceDirectoryAndGrowsItsVocabulary() throws IOException {
        try (Decoder original = model()) {
            Path hf = huggingFaceDirectory(original);
            Path train = Files.write(dir.resolve("train.jsonl"), List.of("{\"prompt\": \"hi\", \"response\": \"yo\"}",
                    "{\"prompt\": \"ab\", \"response\": \"cd\"}", "{\"prompt\": \"x\", \"response\": \"y\"}"));
            FinetuneConfig cfg = new FinetuneConfig(FinetuneConfig.FULL,
                    new ai.stratum.model.lora.LoraConfig(2, 4, 0, ai.stratum.model.lora.LoraConfig.DEFAULT_TARGETS),
                    new ai.stratum.train.sft.SftConfig(false, ai.stratum.train.sft.SequencePacker.Overflow.DROP,
                            ai.stratum.train.sft.ChatTemplate.DEFAULT),
                    new OptimConfig(1e-3, 1e-4, 0, 0.0, 0.9, 0.999, 1e-8, 1.0),
                    new TrainingConfig(2, 0, 1, 16, 16, 1, "float32"), new EvalConfig(0, 1),
                    new CheckpointConfig(0, 1), new LogConfig(1));
            List<String> lines = new ArrayList<>();
            Trainer.Result r = Finetune.run(new Finetune.Request(cfg, hf, train, null, dir.resolve("run"), false, 0),
                    lines::add, m -> { });
            assertTrue(lines.get(0).contains("vocabulary 258 grown to 261"), lines.toString());
            assertTrue(lines.get(1).startsWith("chat template: Stratum's special-token chat template"),
                    lines.toString());
            assertTrue(lines.get(2).startsWith("sft train.jsonl: 3 examples, 3 packed"), lines.toString());
            try (Decoder tuned = DecoderModel.load(r.lastCheckpoint(), 1, 16)) {
                assertEquals(261, tuned.config().vocabSize());
                INDArray wte = tuned.param("tok_embeddings.weight");
                // the byte 'q' is in no example; the tied head's softmax still moves its row
                assertTrue(wte.getRow('q').sub(original.param("tok_embeddings.weight").getRow('q')).amaxNumber().doubleValue()
                        > 0, "the tied head moves every row");
                assertEquals(CONFIG.contextLength(), tuned.config().contextLength());
            }
            Tokenizer saved = Tokenizer.load(r.lastCheckpoint().resolve(Checkpoints.TOKENIZER));
            assertEquals(257, saved.specialTokenId("<|system|>").orElseThrow());
            assertEquals(260, saved.specialTokenId("<|end|>").orElseThrow());
        }
    }

    @Test
    void anUntiedHeadIsRefusedByName() throws IOException {
        try (Decoder original = model()) {
            Path hf = huggingFaceDirectory(original);
            List<Safetensors.Source> sources = hfTensors(original, "");
            INDArray other = Nd4j.rand(DataType.FLOAT, CONFIG.vocabSize(), CONFIG.dModel());
            sources.add(new Safetensors.Source("lm_head.weight", new long[] {CONFIG.vocabSize(), CONFIG.dModel()}, other, 0));
            Safetensors.write(hf.resolve(Checkpoints.MODEL), sources, Map.of());
            var e = assertThrows(IOException.class, () -> DecoderModel.load(hf, 1, 8).close());
            assertTrue(e.getMessage().contains("lm_head.weight") && e.getMessage().contains("tie_word_embeddings"),
                    e.getMessage());
        }
    }

    @Test
    void halfPrecisionTensorsAreWidened() throws IOException {
        // 1.0, -2.5, 65504 (max half), 2^-24 (smallest subnormal) as F16; 1.0, -2.5, 3.140625 as BF16
        short[] f16 = {0x3C00, (short) 0xC100, 0x7BFF, 0x0001};
        short[] bf16 = {0x3F80, (short) 0xC020, 0x4049};
        String header = "{\"a\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[8,14]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + json.length + 14).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(json.length).put(json);
        for (short s : f16) {
            buf.putShort(s);
        }
        for (short s : bf16) {
            buf.putShort(s);
        }
        Path file = dir.resolve("half.safetensors");
        Files.write(file, buf.array());
        Safetensors.Header h = Safetensors.readHeader(file);
        INDArray out = Nd4j.zeros(DataType.FLOAT, 7);
        Safetensors.readInto(h, "a", new long[] {4}, out, 0);
        Safetensors.readInto(h, "b", new long[] {3}, out, 4);
        assertArrayEquals(new float[] {1f, -2.5f, 65504f, 0x1.0p-24f, 1f, -2.5f, 3.140625f}, out.toFloatVector());
    }

    @Test
    void exportThenImportGivesTheSameModel() throws IOException {
        try (Decoder original = model()) {
            Path export = Files.createDirectories(dir.resolve("export"));
            new DecoderModel(original).saveWeights(export, 256);
            int[] tokens = {1, 5, 9, 200, 256, 3, 7, 11};
            original.forward(tokens, null, 1, 8, false, 0);
            try (Decoder loaded = DecoderModel.load(export, 1, 8)) {
                loaded.forward(tokens, null, 1, 8, false, 0);
                assertEquals(0.0, loaded.logits().sub(original.logits()).amaxNumber().doubleValue(), 0.0);
            }
        }
    }
}
