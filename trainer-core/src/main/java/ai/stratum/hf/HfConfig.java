package ai.stratum.hf;

import ai.stratum.io.AtomicFiles;
import ai.stratum.model.ModelConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint's {@code config.json} with Hugging Face's GPT-2 keys, so {@code transformers} loads the directory
 * as {@code GPT2LMHeadModel}: {@code n_positions}/{@code n_embd}/{@code n_layer}/{@code n_head}, GELU with the
 * tanh approximation ({@code gelu_new}), an MLP of 4 * n_embd ({@code n_inner: null}), and one dropout
 * probability for residual, embedding and attention dropout.
 */
public final class HfConfig {

    public static final String FILE = "config.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfConfig() {
    }

    /**
     * The GPT-2 config for {@code model}; {@code eosTokenId} is the end-of-text id (also GPT-2's bos);
     * {@code torchDtype} the stored weights' type ({@code float32} or {@code float64}).
     */
    public static ObjectNode toJson(ModelConfig model, int eosTokenId, String torchDtype) {
        ObjectNode n = JSON.createObjectNode();
        n.put("model_type", "gpt2");
        n.putArray("architectures").add("GPT2LMHeadModel");
        n.put("vocab_size", model.vocabSize());
        n.put("n_positions", model.contextLength());
        n.put("n_ctx", model.contextLength());
        n.put("n_embd", model.dModel());
        n.put("n_layer", model.nLayer());
        n.put("n_head", model.nHead());
        n.putNull("n_inner");
        n.put("activation_function", "gelu_new");
        n.put("layer_norm_epsilon", ModelConfig.LAYER_NORM_EPS);
        n.put("resid_pdrop", model.dropout());
        n.put("embd_pdrop", model.dropout());
        n.put("attn_pdrop", model.dropout());
        n.put("initializer_range", 0.02);
        n.put("bos_token_id", eosTokenId);
        n.put("eos_token_id", eosTokenId);
        n.put("tie_word_embeddings", true);
        n.put("torch_dtype", torchDtype);
        return n;
    }

    /** Writes the config of float32 weights. */
    public static void write(Path dir, ModelConfig model, int eosTokenId) throws IOException {
        write(dir, model, eosTokenId, "float32");
    }

    public static void write(Path dir, ModelConfig model, int eosTokenId, String torchDtype) throws IOException {
        AtomicFiles.writeString(dir.resolve(FILE), JSON.writeValueAsString(toJson(model, eosTokenId, torchDtype)));
    }

    /** Reads a GPT-2 {@code config.json} (ours or Hugging Face's); other architectures are rejected by name. */
    public static ModelConfig read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        JsonNode n;
        try {
            n = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": cannot be read as JSON: " + e.getMessage(), e);
        }
        if (!"gpt2".equals(n.path("model_type").asText())) {
            throw new IOException(file + ": model_type is '" + n.path("model_type").asText()
                    + "'; only GPT-2-architecture checkpoints (model_type gpt2) are supported");
        }
        int embd = intKey(file, n, "n_embd");
        if (!n.path("n_inner").isNull() && !n.path("n_inner").isMissingNode() && n.get("n_inner").asInt() != 4 * embd) {
            throw new IOException(file + ": n_inner " + n.get("n_inner") + " is not 4 * n_embd; unsupported");
        }
        String activation = n.path("activation_function").asText("gelu_new");
        if (!activation.equals("gelu_new") && !activation.equals("gelu_pytorch_tanh")) {
            throw new IOException(file + ": activation_function '" + activation + "' is not GELU with the tanh "
                    + "approximation (gelu_new); unsupported");
        }
        try {
            return ModelConfig.gpt2(intKey(file, n, "vocab_size"), intKey(file, n, "n_positions"),
                    intKey(file, n, "n_layer"), intKey(file, n, "n_head"), embd, n.path("resid_pdrop").asDouble(0.0));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** The end-of-text id recorded in {@code config.json}, or {@code vocab_size - 1} when it has none. */
    public static int eosTokenId(Path dir) throws IOException {
        JsonNode n = JSON.readTree(dir.resolve(FILE).toFile());
        return n.path("eos_token_id").canConvertToInt() ? n.get("eos_token_id").asInt()
                : n.path("vocab_size").asInt() - 1;
    }

    private static int intKey(Path file, JsonNode n, String key) throws IOException {
        if (!n.path(key).canConvertToInt()) {
            throw new IOException(file + ": missing integer key '" + key + "'");
        }
        return n.get(key).asInt();
    }
}
