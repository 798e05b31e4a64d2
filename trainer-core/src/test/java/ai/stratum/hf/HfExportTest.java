package ai.stratum.hf;

import ai.stratum.model.Decoder;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.TensorSpec;
import ai.stratum.model.Views;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Export writes the family's Hugging Face directory: weights in the asked dtype and shards, config, tokenizer. */
class HfExportTest {

    @TempDir
    Path dir;

    @Test
    void llamaExportsAsShardedBf16WithItsIdsAndTokenizerFiles() throws IOException {
        WeightMap map = WeightMap.of(Family.LLAMA, WeightMapTest.llamaTiny());
        INDArray params = HfCheckpointTest.random(map.layout(), 21);
        Path src = dir.resolve("src");
        HfCheckpoint.saveModel(src, map, params, 2, Safetensors.Dtype.F32, HfCheckpoint.DEFAULT_SHARD_BYTES);
        // Llama 3 lists several end ids; the export keeps them as written
        Path cfg = src.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"eos_token_id\" : 2", "\"eos_token_id\" : [2, 5]"));
        Files.writeString(src.resolve("tokenizer.json"), "{\"model\": {}}");
        Files.writeString(src.resolve("tokenizer_config.json"), "{\"model_max_length\": 8}");
        Files.writeString(src.resolve("generation_config.json"), "{\"eos_token_id\": [2, 5]}");

        Path out = dir.resolve("out");
        HfExport.Result r = HfExport.export(src, out, Safetensors.Dtype.BF16, 300);
        assertEquals(Family.LLAMA, r.family());
        assertEquals(List.of("tokenizer.json", "tokenizer_config.json", "generation_config.json"), r.tokenizer());
        JsonNode c = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("LlamaForCausalLM", c.get("architectures").get(0).asText());
        assertEquals("bfloat16", c.get("torch_dtype").asText());
        assertEquals("[2,5]", c.get("eos_token_id").toString());
        assertTrue(Files.isRegularFile(out.resolve(HfCheckpoint.INDEX)));
        INDArray back = Nd4j.zeros(DataType.FLOAT, map.layout().size());
        HfCheckpoint.load(out, HfCheckpoint.mapOf(out), map.layout(), back);
        float[] p = params.toFloatVector();
        float[] b = back.toFloatVector();
        for (int i = 0; i < p.length; i++) {
            assertEquals(HfCheckpointTest.nearestBf16(p[i]), b[i], "element " + i);
        }
    }

    @Test
    void gpt2CheckpointsExportThroughTheGpt2Table() throws IOException {
        ModelConfig config = ModelConfig.gpt2(40, 8, 2, 2, 8, 0.0);
        Path src = dir.resolve("ckpt");
        Files.createDirectories(src);
        try (Decoder gpt = new Decoder(config, 1, 4, DataType.FLOAT, Kernels.forCurrentBackend())) {
            gpt.initWeights(3);
            new DecoderModel(gpt).saveWeights(src, 39);
            Path out = dir.resolve("hf");
            HfExport.export(src, out, Safetensors.Dtype.F32, HfCheckpoint.DEFAULT_SHARD_BYTES);
            try (Decoder loaded = DecoderModel.load(out, 1, 4)) {
                assertArrayEquals(gpt.params().toFloatVector(), loaded.params().toFloatVector());
            }
            // stored under GPT-2's names, Conv1D [in, out]: c_attn is attn.qkv transposed
            Safetensors.Header h = Safetensors.readHeader(out.resolve(HfCheckpoint.MODEL));
            INDArray cAttn = Nd4j.zeros(DataType.FLOAT, 8 * 24);
            Safetensors.readInto(h, "h.1.attn.c_attn.weight", new long[] {8, 24}, cAttn, 0);
            INDArray qkv = gpt.param("layers.1.attn.qkv.weight"); // [3C, C]
            assertArrayEquals(qkv.transpose().dup('c').reshape(qkv.length()).toFloatVector(), cAttn.toFloatVector());
        }
    }

    @Test
    void aMergedAdapterCarriesTheBasesTokenizerFiles() throws IOException {
        ModelConfig config = ModelConfig.gpt2(257, 8, 1, 2, 8, 0.0);
        Path base = Files.createDirectories(dir.resolve("base"));
        try (Decoder decoder = new Decoder(config, 1, 4, DataType.FLOAT, Kernels.forCurrentBackend())) {
            decoder.initWeights(4);
            new DecoderModel(decoder).saveWeights(base, 256);
        }
        ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson.write(base.resolve("tokenizer.json"),
                List.of("<|endoftext|>"));
        Files.writeString(base.resolve("tokenizer_config.json"), "{\"chat_template\": \"{{ messages }}\"}");
        ai.stratum.model.lora.LoraAdapters adapters = new ai.stratum.model.lora.LoraAdapters(
                new ai.stratum.model.lora.LoraConfig(2, 4, 0, List.of("c_attn")), config, DataType.FLOAT, 4);
        adapters.init(5);
        PeftAdapter.save(dir.resolve("adapter"), adapters, base.toString());
        Path out = dir.resolve("merged");
        ai.stratum.train.LoraModel.merge(base, dir.resolve("adapter"), out);
        assertEquals("{\"chat_template\": \"{{ messages }}\"}", Files.readString(out.resolve("tokenizer_config.json")));
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
        assertEquals(config, HfConfig.read(out));
    }
}
