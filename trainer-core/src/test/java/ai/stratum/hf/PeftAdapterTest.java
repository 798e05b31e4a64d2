package ai.stratum.hf;

import ai.stratum.model.ModelConfig;
import ai.stratum.model.lora.LoraAdapters;
import ai.stratum.model.lora.LoraConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PeftAdapterTest {

    @TempDir
    Path dir;

    static final ModelConfig BASE = ModelConfig.gpt2(20, 8, 2, 2, 8, 0.0);
    static final ModelConfig LLAMA = ModelConfig.llama(20, 8, 2, 4, 2, 8, 12, 1e-5, 10000, false);

    static LoraAdapters adapters(int r) {
        LoraAdapters a = new LoraAdapters(new LoraConfig(r, 16, 0.05, List.of("c_attn", "mlp.c_proj")), BASE,
                DataType.FLOAT, 4);
        a.init(3);
        a.params().addi(0.25); // B nonzero too, so the round trip is checked on every tensor
        return a;
    }

    @Test
    void roundTripKeepsEveryValueAndWritesPeftNames() throws IOException {
        LoraAdapters saved = adapters(4);
        PeftAdapter.save(dir, saved, "runs/base/checkpoints/step-10");
        LoraAdapters loaded = PeftAdapter.load(dir, BASE, DataType.FLOAT, 4);
        assertEquals(saved.config(), loaded.config());
        assertArrayEquals(saved.params().toFloatVector(), loaded.params().toFloatVector());

        JsonNode cfg = new ObjectMapper().readTree(dir.resolve(PeftAdapter.CONFIG).toFile());
        assertEquals("LORA", cfg.get("peft_type").asText());
        assertEquals(4, cfg.get("r").asInt());
        assertEquals(16.0, cfg.get("lora_alpha").asDouble());
        assertTrue(cfg.get("fan_in_fan_out").asBoolean(), "GPT-2's Conv1D needs fan_in_fan_out");
        var header = Safetensors.readHeader(dir.resolve(PeftAdapter.WEIGHTS));
        var a = header.get("base_model.model.transformer.h.1.attn.c_attn.lora_A.weight");
        assertArrayEquals(new long[] {4, 8}, a.shape());
        var b = header.get("base_model.model.transformer.h.0.mlp.c_proj.lora_B.weight");
        assertArrayEquals(new long[] {8, 4}, b.shape());
        assertEquals(8, header.tensors().size());
    }

    @Test
    void aLlamaAdapterHasOnePeftTensorPairPerProjectionAndNoFanInFanOut() throws IOException {
        LoraAdapters saved = new LoraAdapters(new LoraConfig(2, 4, 0.0, List.of("q_proj", "v_proj", "up_proj")),
                LLAMA, DataType.FLOAT, 4);
        saved.init(5);
        saved.params().addi(0.5);
        PeftAdapter.save(dir, saved, "base");
        JsonNode cfg = new ObjectMapper().readTree(dir.resolve(PeftAdapter.CONFIG).toFile());
        assertFalse(cfg.get("fan_in_fan_out").asBoolean(), "nn.Linear weights are [out, in]");
        var header = Safetensors.readHeader(dir.resolve(PeftAdapter.WEIGHTS));
        assertArrayEquals(new long[] {4, 2}, header.get("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight")
                .shape(), "v_proj's B covers the 2 kv heads of 2");
        assertArrayEquals(new long[] {2, 8}, header.get("base_model.model.model.layers.0.mlp.up_proj.lora_A.weight")
                .shape());
        assertEquals(12, header.tensors().size());
        LoraAdapters loaded = PeftAdapter.load(dir, LLAMA, DataType.FLOAT, 4);
        assertArrayEquals(saved.params().toFloatVector(), loaded.params().toFloatVector());
    }

    @Test
    void savedAdapterSizeIsProportionalToRank() throws IOException {
        long[] bytes = new long[3];
        int[] ranks = {2, 4, 8};
        for (int i = 0; i < ranks.length; i++) {
            Path d = dir.resolve("r" + ranks[i]);
            PeftAdapter.save(d, adapters(ranks[i]), "base");
            var h = Safetensors.readHeader(d.resolve(PeftAdapter.WEIGHTS));
            bytes[i] = h.tensors().values().stream().mapToLong(e -> e.end() - e.begin()).sum();
        }
        assertEquals(2 * bytes[0], bytes[1]);
        assertEquals(4 * bytes[0], bytes[2]);
    }

    @Test
    void badAdapterDirectoriesAreClearErrors() throws IOException {
        var e = assertThrows(IOException.class, () -> PeftAdapter.readConfig(dir));
        assertTrue(e.getMessage().contains(PeftAdapter.CONFIG), e.getMessage());

        Files.writeString(dir.resolve(PeftAdapter.CONFIG), "{\"peft_type\": \"PREFIX_TUNING\"}");
        e = assertThrows(IOException.class, () -> PeftAdapter.readConfig(dir));
        assertTrue(e.getMessage().contains("only LORA"), e.getMessage());

        Files.writeString(dir.resolve(PeftAdapter.CONFIG),
                "{\"peft_type\": \"LORA\", \"r\": 0, \"lora_alpha\": 8, \"target_modules\": [\"c_attn\"]}");
        e = assertThrows(IOException.class, () -> PeftAdapter.readConfig(dir));
        assertTrue(e.getMessage().contains("r: must be at least 1"), e.getMessage());

        PeftAdapter.save(dir, adapters(2), "base");
        ModelConfig other = ModelConfig.gpt2(20, 8, 2, 2, 16, 0.0);
        e = assertThrows(IOException.class, () -> PeftAdapter.load(dir, other, DataType.FLOAT, 4));
        assertTrue(e.getMessage().contains("shape"), e.getMessage());
    }
}
