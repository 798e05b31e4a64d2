package ai.stratum.hf;

import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.tokenizer.Tokenizer;
import ai.stratum.train.DecoderModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code stratum init}'s library: a random model written to disk loads back as the model pretraining would have
 * started from (bfloat16-rounded when stored as BF16), sharded, with its config and tokenizer.
 */
class RandomCheckpointTest {

    /** Llama-style, GQA 4:2, tied, vocabulary room for the byte-level tokenizer; 2 layers. */
    private static final ModelConfig LLAMA = ModelConfig.llama(300, 16, 2, 4, 2, 16, 24, 1e-5, 500000.0, true);
    private static final int[] TOKENS = {3, 257, 65, 10, 299, 7, 7, 128};

    @TempDir
    Path dir;

    /** Logits (1, T, V) of a decoder holding {@code params}, flattened. */
    private static float[] logits(Decoder d) {
        d.forward(TOKENS, null, 1, TOKENS.length, false, 0);
        return d.logits().dup().reshape(-1).toFloatVector();
    }

    @Test
    void bf16ShardsLoadAsTheRoundedInitialWeightsAndGiveTheirLogits() throws IOException {
        Path out = dir.resolve("bf16");
        long shardBytes = 4_000; // the 9.6 kB embedding alone in a shard, then the layers over several
        RandomCheckpoint.Result r = RandomCheckpoint.write(new RandomCheckpoint.Spec(LLAMA, null,
                Safetensors.Dtype.BF16, shardBytes, 42, null), out, false);

        assertEquals(Family.LLAMA, r.family());
        assertEquals(256, r.eosTokenId(), "the byte-level tokenizer's <|endoftext|>");
        assertEquals(HfCheckpoint.INDEX, r.weights().get(r.weights().size() - 1));
        assertTrue(r.weights().size() > 3, "sharded: " + r.weights());
        HfCheckpoint.Stored stored = HfCheckpoint.open(out);
        for (Path shard : stored.files()) {
            Safetensors.Header h = Safetensors.readHeader(shard);
            long bytes = h.tensors().values().stream().mapToLong(e -> e.end() - e.begin()).sum();
            assertTrue(bytes <= shardBytes || h.tensors().size() == 1, shard + " holds " + bytes + " bytes");
            h.tensors().values().forEach(e -> assertEquals(Safetensors.Dtype.BF16, e.dtype(), e.name()));
        }
        JsonNode config = new ObjectMapper().readTree(out.resolve(HfConfig.FILE).toFile());
        assertEquals("bfloat16", config.get("torch_dtype").asText());
        assertEquals("llama", config.get("model_type").asText());
        assertEquals(256, config.get("eos_token_id").asInt());
        assertEquals(257, Tokenizer.load(out).vocabSize());
        assertEquals(LLAMA, HfConfig.read(out));

        try (Decoder expected = new Decoder(LLAMA, 1, TOKENS.length, DataType.FLOAT, Kernels.forCurrentBackend(),
                false);
             Decoder loaded = DecoderModel.load(out, 1, TOKENS.length)) {
            expected.initWeights(42);
            float[] init = expected.params().toFloatVector();
            float[] rounded = new float[init.length];
            for (int i = 0; i < init.length; i++) {
                rounded[i] = HfCheckpointTest.nearestBf16(init[i]);
            }
            assertArrayEquals(rounded, loaded.params().toFloatVector(), "weights: the initial ones, bf16-rounded");
            expected.params().assign(Nd4j.createFromArray(rounded));
            assertArrayEquals(logits(expected), logits(loaded), "logits of the loaded model");
        }
    }

    @Test
    void f32IsExactlyTheInitialWeightsInOneFileAndTheSeedMatters() throws IOException {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        RandomCheckpoint.write(new RandomCheckpoint.Spec(LLAMA, null, Safetensors.Dtype.F32,
                HfCheckpoint.DEFAULT_SHARD_BYTES, 7, null), a, false);
        RandomCheckpoint.write(new RandomCheckpoint.Spec(LLAMA, null, Safetensors.Dtype.F32,
                HfCheckpoint.DEFAULT_SHARD_BYTES, 8, null), b, false);
        assertTrue(Files.isRegularFile(a.resolve(HfCheckpoint.MODEL)));
        assertTrue(Files.notExists(a.resolve(HfCheckpoint.INDEX)));
        try (Decoder expected = new Decoder(LLAMA, 1, 4, DataType.FLOAT, Kernels.forCurrentBackend(), false);
             Decoder loadedA = DecoderModel.load(a, 1, 4);
             Decoder loadedB = DecoderModel.load(b, 1, 4)) {
            expected.initWeights(7);
            assertArrayEquals(expected.params().toFloatVector(), loadedA.params().toFloatVector());
            assertTrue(loadedA.params().sub(loadedB.params()).amaxNumber().doubleValue() > 0.01,
                    "seeds 7 and 8 give other weights");
        }
    }

    @Test
    void aChosenFamilyIsWrittenAndReadBack() throws IOException {
        // llama could hold a mistral without a sliding window; asked for mistral, the directory says mistral
        Path out = dir.resolve("mistral");
        RandomCheckpoint.write(new RandomCheckpoint.Spec(LLAMA, Family.MISTRAL, Safetensors.Dtype.F32,
                HfCheckpoint.DEFAULT_SHARD_BYTES, 1, null), out, false);
        HfConfig.Parsed parsed = HfConfig.parse(out);
        assertEquals(Family.MISTRAL, parsed.family());
        assertEquals(LLAMA, parsed.config());
        JsonNode config = new ObjectMapper().readTree(out.resolve(HfConfig.FILE).toFile());
        assertTrue(config.get("sliding_window").isNull());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RandomCheckpoint.Spec(
                LLAMA, Family.QWEN3, Safetensors.Dtype.F32, 1, 1, null));
        assertTrue(e.getMessage().contains("q_norm"), e.getMessage());
    }

    @Test
    void refusesAnExistingModelAVocabularyWithoutRoomAndATooLargeTokenizer() throws IOException {
        Path out = dir.resolve("m");
        RandomCheckpoint.Spec spec = new RandomCheckpoint.Spec(LLAMA, null, Safetensors.Dtype.BF16,
                HfCheckpoint.DEFAULT_SHARD_BYTES, 1, null);
        RandomCheckpoint.write(spec, out, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RandomCheckpoint.write(spec, out, false));
        assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
        RandomCheckpoint.write(new RandomCheckpoint.Spec(LLAMA, null, Safetensors.Dtype.BF16, 4_000, 1, null), out,
                true);
        assertTrue(Files.notExists(out.resolve(HfCheckpoint.MODEL)), "the replaced single file is gone");
        assertTrue(Files.isRegularFile(out.resolve(HfCheckpoint.INDEX)));

        ModelConfig small = LLAMA.withVocabSize(200);
        e = assertThrows(IllegalArgumentException.class, () -> RandomCheckpoint.write(new RandomCheckpoint.Spec(
                small, null, Safetensors.Dtype.F32, HfCheckpoint.DEFAULT_SHARD_BYTES, 1, null), dir.resolve("s"),
                false));
        assertTrue(e.getMessage().contains("--tokenizer"), e.getMessage());

        Path tok = TokenizerFiles.writeByteLevel(dir.resolve("tokenizer.json"));
        ModelConfig tiny = LLAMA.withVocabSize(100);
        e = assertThrows(IllegalArgumentException.class, () -> RandomCheckpoint.write(new RandomCheckpoint.Spec(
                tiny, null, Safetensors.Dtype.F32, HfCheckpoint.DEFAULT_SHARD_BYTES, 1, tok), dir.resolve("t"),
                false));
        assertTrue(e.getMessage().contains("model.vocab_size=257"), e.getMessage());
        assertEquals(List.of(), List.of(dir.resolve("t").toFile().list()), "nothing left behind");
    }
}
