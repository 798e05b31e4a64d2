package ai.stratum.hf;

import ai.stratum.model.ModelConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HfConfigTest {

    @TempDir
    Path dir;

    @Test
    void writesGpt2KeysAndReadsThemBack() throws IOException {
        ModelConfig gpt2 = ModelConfig.gpt2(50257, 1024, 12, 12, 768, 0.1);
        HfConfig.write(dir, gpt2, 50256, "float32");
        JsonNode n = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertEquals("gpt2", n.get("model_type").asText());
        assertEquals("GPT2LMHeadModel", n.get("architectures").get(0).asText());
        assertEquals(1024, n.get("n_positions").asInt());
        assertEquals(768, n.get("n_embd").asInt());
        assertTrue(n.get("n_inner").isNull());
        assertEquals("gelu_new", n.get("activation_function").asText());
        assertEquals(1e-5, n.get("layer_norm_epsilon").asDouble());
        assertEquals(0.1, n.get("attn_pdrop").asDouble());
        assertEquals(50256, n.get("eos_token_id").asInt());
        assertEquals("float32", n.get("torch_dtype").asText());
        assertEquals(gpt2, HfConfig.read(dir));
        assertEquals(50256, HfConfig.eosTokenId(dir));
    }

    @Test
    void rejectsOtherArchitecturesByName() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\"}");
        IOException e = assertThrows(IOException.class, () -> HfConfig.read(dir));
        assertTrue(e.getMessage().contains("model_type is 'llama'"), e.getMessage());
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"gpt2\", \"n_embd\": 8, \"n_inner\": 16}");
        assertTrue(assertThrows(IOException.class, () -> HfConfig.read(dir)).getMessage().contains("n_inner"));
    }
}
