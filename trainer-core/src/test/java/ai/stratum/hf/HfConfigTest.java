package ai.stratum.hf;

import ai.stratum.model.ModelConfig;
import ai.stratum.model.ModelConfig.Mlp;
import ai.stratum.model.ModelConfig.Norm;
import ai.stratum.model.ModelConfig.Positions;
import ai.stratum.model.ModelConfig.RopeScaling;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** config.json of every family: hand-written files read into the architecture, written back, refusals by key. */
class HfConfigTest {

    @TempDir
    Path dir;

    HfConfig.Parsed parse(String json) throws IOException {
        Files.writeString(dir.resolve("config.json"), json);
        return HfConfig.parse(dir);
    }

    /** The message of the refusal of {@code json}; it must name the file and the key. */
    String refusal(String json, String key) throws IOException {
        Files.writeString(dir.resolve("config.json"), json);
        IOException e = assertThrows(IOException.class, () -> HfConfig.parse(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("config.json").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("'" + key + "'") || e.getMessage().contains(key + ":"), e.getMessage());
        return e.getMessage();
    }

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
    void gpt2HonoursEpsilonInverseLayerScalingAndInnerWidth() throws IOException {
        ModelConfig c = parse("""
                {"model_type": "gpt2", "vocab_size": 300, "n_positions": 64, "n_embd": 32, "n_layer": 3,
                 "n_head": 4, "n_inner": 48, "layer_norm_epsilon": 1e-6, "scale_attn_by_inverse_layer_idx": true,
                 "reorder_and_upcast_attn": true, "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0,
                 "summary_type": "cls_index", "n_ctx": 64, "transformers_version": "4.44.0"}
                """).config();
        assertEquals(1e-6, c.normEps());
        assertTrue(c.scaleAttnByInverseLayerIdx());
        assertEquals(48, c.intermediateSize());
        assertEquals(8, c.headDim());
        assertEquals(0.0, c.dropout());
        HfConfig.write(dir, c, 299, "float32");
        assertEquals(c, HfConfig.read(dir), "n_inner, epsilon and the scaling survive export");
        // defaults are transformers' GPT2Config's
        ModelConfig d = parse("{\"model_type\": \"gpt2\"}").config();
        assertEquals(ModelConfig.gpt2(50257, 1024, 12, 12, 768, 0.1), d);
    }

    @Test
    void gpt2RefusesWhatItCannotRunByKey() throws IOException {
        refusal("{\"model_type\": \"gpt2\", \"activation_function\": \"relu\"}", "activation_function");
        refusal("{\"model_type\": \"gpt2\", \"scale_attn_weights\": false}", "scale_attn_weights");
        refusal("{\"model_type\": \"gpt2\", \"tie_word_embeddings\": false}", "tie_word_embeddings");
        refusal("{\"model_type\": \"gpt2\", \"attn_pdrop\": 0.2}", "attn_pdrop");
        refusal("{\"model_type\": \"gpt2\", \"add_cross_attention\": true}", "add_cross_attention");
        refusal("{\"model_type\": \"gpt2\", \"n_embd\": 10, \"n_head\": 4}", "n_embd");
        refusal("{\"model_type\": \"gpt2\", \"quantization_config\": {\"bits\": 4}}", "quantization_config");
        refusal("{\"model_type\": \"gpt_neox\"}", "model_type");
    }

    @Test
    void llamaWithLlama3RopeScalingAndEosList() throws IOException {
        HfConfig.Parsed p = parse("""
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 1000,
                 "hidden_size": 64, "intermediate_size": 160, "num_hidden_layers": 2, "num_attention_heads": 8,
                 "num_key_value_heads": 2, "hidden_act": "silu", "max_position_embeddings": 4096,
                 "rms_norm_eps": 1e-5, "rope_theta": 500000.0,
                 "rope_scaling": {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                                  "high_freq_factor": 4.0, "original_max_position_embeddings": 512},
                 "attention_bias": false, "mlp_bias": false, "pretraining_tp": 1, "attention_dropout": 0.0,
                 "tie_word_embeddings": true, "bos_token_id": 1, "eos_token_id": [7, 8, 9], "torch_dtype": "bfloat16",
                 "head_dim": 8, "use_cache": true}
                """);
        assertEquals(Family.LLAMA, p.family());
        ModelConfig c = p.config();
        assertEquals(new ModelConfig(1000, 4096, 2, 8, 2, 8, 64, 160, Norm.RMS_NORM, 1e-5, Positions.ROPE, 500000.0,
                new RopeScaling("llama3", 32, 1, 4, 512), false, false, false, Mlp.SWIGLU, false, true, false, 0, 0.0),
                c);
        assertEquals(7, HfConfig.eosTokenId(dir));
        HfConfig.write(dir, c, Family.LLAMA, 7, "bfloat16");
        assertEquals(p, HfConfig.parse(dir));
        JsonNode n = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertEquals("LlamaForCausalLM", n.get("architectures").get(0).asText());
        assertEquals("bfloat16", n.get("torch_dtype").asText());
        assertEquals("llama3", n.get("rope_scaling").get("rope_type").asText());

        // linear scaling (4.x "type" spelling), biases everywhere, untied, defaults for the rest
        ModelConfig lin = parse("""
                {"model_type": "llama", "hidden_size": 32, "num_attention_heads": 4, "intermediate_size": 40,
                 "num_hidden_layers": 1, "rope_scaling": {"type": "linear", "factor": 2.0}, "attention_bias": true,
                 "mlp_bias": true}
                """).config();
        assertEquals(RopeScaling.linear(2.0), lin.ropeScaling());
        assertTrue(lin.qkvBias() && lin.outBias() && lin.mlpBias());
        assertFalse(lin.tiedEmbeddings());
        assertEquals(4, lin.nKvHead(), "num_key_value_heads defaults to the heads");
        assertEquals(1e-6, lin.normEps());
        assertEquals(10000.0, lin.ropeTheta());
        assertEquals(32000, lin.vocabSize());
        // transformers 5's rope_parameters carry the base too
        ModelConfig v5 = parse("""
                {"model_type": "llama", "hidden_size": 32, "num_attention_heads": 4, "num_hidden_layers": 1,
                 "rope_parameters": {"rope_type": "default", "rope_theta": 250000.0}}
                """).config();
        assertEquals(250000.0, v5.ropeTheta());
        assertNull(v5.ropeScaling());
    }

    @Test
    void llamaRefusesWhatItCannotRunByKey() throws IOException {
        String base = "{\"model_type\": \"llama\", \"hidden_size\": 32, \"num_attention_heads\": 4, ";
        for (String type : new String[] {"yarn", "dynamic", "longrope"}) {
            String m = refusal(base + "\"rope_scaling\": {\"rope_type\": \"" + type + "\", \"factor\": 4.0}}",
                    "rope_scaling.rope_type");
            assertTrue(m.contains("'" + type + "'"), m);
        }
        refusal(base + "\"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 2.0, \"beta_fast\": 32}}",
                "rope_scaling.beta_fast");
        refusal(base + "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0}}",
                "rope_scaling.original_max_position_embeddings");
        refusal(base + "\"hidden_act\": \"gelu\"}", "hidden_act");
        refusal(base + "\"pretraining_tp\": 2}", "pretraining_tp");
        refusal(base + "\"partial_rotary_factor\": 0.5}", "partial_rotary_factor");
        refusal(base + "\"attention_dropout\": 0.1}", "attention_dropout");
        refusal(base + "\"sliding_window\": 128}", "sliding_window");
        refusal(base + "\"num_key_value_heads\": 3}", "n_kv_head");
    }

    @Test
    void mistralSlidingWindow() throws IOException {
        String base = "{\"model_type\": \"mistral\", \"hidden_size\": 32, \"num_attention_heads\": 4, "
                + "\"num_key_value_heads\": 1, \"num_hidden_layers\": 1, \"intermediate_size\": 64";
        HfConfig.Parsed p = parse(base + ", \"sliding_window\": 256}");
        assertEquals(Family.MISTRAL, p.family());
        assertEquals(256, p.config().slidingWindow());
        assertEquals(4096, parse(base + "}").config().slidingWindow(), "MistralConfig's default");
        assertEquals(0, parse(base + ", \"sliding_window\": null}").config().slidingWindow());
        HfConfig.write(dir, p.config(), Family.MISTRAL, 2, "float32");
        assertEquals(p, HfConfig.parse(dir));
        refusal(base + ", \"mlp_bias\": true}", "mlp_bias");
    }

    @Test
    void qwen2BiasesAndWindowLayers() throws IOException {
        String base = """
                {"model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"], "vocab_size": 500, "hidden_size": 56,
                 "intermediate_size": 96, "num_hidden_layers": 4, "num_attention_heads": 7, "num_key_value_heads": 1,
                 "max_position_embeddings": 2048, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
                 "tie_word_embeddings": true, "sliding_window": 2048, "eos_token_id": 3""";
        HfConfig.Parsed p = parse(base + ", \"use_sliding_window\": false, \"max_window_layers\": 2}");
        assertEquals(Family.QWEN2, p.family());
        ModelConfig c = p.config();
        assertTrue(c.qkvBias());
        assertFalse(c.outBias());
        assertEquals(0, c.slidingWindow(), "use_sliding_window false: full attention on every layer");
        assertEquals(8, c.headDim());
        HfConfig.write(dir, c, Family.QWEN2, 3, "float32");
        assertEquals(p, HfConfig.parse(dir));
        assertEquals(2048, parse(base + ", \"use_sliding_window\": true, \"max_window_layers\": 0}").config()
                .slidingWindow());
        assertEquals(0, parse(base + ", \"use_sliding_window\": true, \"max_window_layers\": 4}").config()
                .slidingWindow());
        refusal(base + ", \"use_sliding_window\": true, \"max_window_layers\": 2}", "max_window_layers");
        refusal(base + ", \"layer_types\": [\"full_attention\", \"sliding_attention\", \"full_attention\", "
                + "\"full_attention\"]}", "layer_types");
        refusal(base + ", \"use_mrope\": true}", "use_mrope");
        refusal(base + ", \"attention_bias\": true}", "attention_bias");
    }

    @Test
    void qwen3HeadDimAndQkNorm() throws IOException {
        HfConfig.Parsed p = parse("""
                {"model_type": "qwen3", "vocab_size": 400, "hidden_size": 48, "intermediate_size": 80,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
                 "max_position_embeddings": 1024, "rope_theta": 1000000, "tie_word_embeddings": true,
                 "attention_bias": false, "use_sliding_window": false, "sliding_window": null,
                 "max_window_layers": 2, "layer_types": ["full_attention", "full_attention"],
                 "eos_token_id": 5, "torch_dtype": "bfloat16"}
                """);
        assertEquals(Family.QWEN3, p.family());
        ModelConfig c = p.config();
        assertEquals(16, c.headDim(), "head_dim is not hidden_size / heads (12)");
        assertTrue(c.qkNorm());
        assertFalse(c.qkvBias());
        HfConfig.write(dir, c, Family.QWEN3, 5, "bfloat16");
        assertEquals(p, HfConfig.parse(dir));
        assertEquals(128, parse("{\"model_type\": \"qwen3\", \"hidden_size\": 64, \"num_attention_heads\": 2, "
                + "\"num_key_value_heads\": 2, \"num_hidden_layers\": 1}").config().headDim(),
                "Qwen3Config's default head_dim");
    }

    @Test
    void smolLmStyleConfigWithNanotronKeys() throws IOException {
        ModelConfig c = parse("""
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "attention_bias": false,
                 "attention_dropout": 0.0, "bos_token_id": 0, "eos_token_id": 0, "hidden_act": "silu",
                 "hidden_size": 96, "initializer_range": 0.04, "intermediate_size": 256, "is_llama_config": true,
                 "max_position_embeddings": 512, "num_attention_heads": 3, "num_hidden_layers": 2,
                 "num_key_value_heads": 1, "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_interleaved": false,
                 "rope_scaling": null, "rope_theta": 100000, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
                 "transformers_version": "4.40.1", "use_cache": true, "vocab_size": 300}
                """).config();
        assertEquals(ModelConfig.llama(300, 512, 2, 3, 1, 96, 256, 1e-5, 100000, true), c);
        refusal("{\"model_type\": \"llama\", \"hidden_size\": 32, \"num_attention_heads\": 4, "
                + "\"rope_interleaved\": true}", "rope_interleaved");
    }

    @Test
    void familyIsInferredForPresets() throws IOException {
        ModelConfig smol = ModelConfig.llama(49152, 2048, 30, 9, 3, 576, 1536, 1e-5, 100000, true);
        HfConfig.write(dir, smol, 0, "float32");
        assertEquals(new HfConfig.Parsed(Family.LLAMA, smol), HfConfig.parse(dir));
    }
}
