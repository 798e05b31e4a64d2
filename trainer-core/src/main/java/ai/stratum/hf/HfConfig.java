package ai.stratum.hf;

import ai.stratum.io.AtomicFiles;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.ModelConfig.Mlp;
import ai.stratum.model.ModelConfig.Norm;
import ai.stratum.model.ModelConfig.Positions;
import ai.stratum.model.ModelConfig.RopeScaling;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;

/**
 * A checkpoint's {@code config.json} in Hugging Face's form for each {@link Family}, read into a
 * {@link ModelConfig} and written back so {@code transformers} loads the directory. Missing keys take the
 * defaults of {@code transformers}' config class of the family (as {@code from_pretrained} would).
 *
 * <p>Every key that changes the model's math is honoured or refused by name, never ignored:
 * <ul>
 * <li>gpt2: {@code n_positions n_embd n_layer n_head vocab_size}, {@code n_inner} (null = 4 n_embd),
 *     {@code layer_norm_epsilon}, {@code scale_attn_by_inverse_layer_idx}; {@code activation_function} must be
 *     GELU's tanh approximation ({@code gelu_new}, {@code gelu_pytorch_tanh}, {@code gelu_fast});
 *     {@code scale_attn_weights} must be true and {@code tie_word_embeddings} true; {@code resid_pdrop},
 *     {@code embd_pdrop} and {@code attn_pdrop} must be equal (one dropout); {@code reorder_and_upcast_attn} is
 *     accepted because attention already runs in float32 and the reordering is exact in real arithmetic.</li>
 * <li>llama, mistral, qwen2, qwen3: {@code hidden_size intermediate_size num_hidden_layers num_attention_heads
 *     num_key_value_heads head_dim max_position_embeddings vocab_size rms_norm_eps tie_word_embeddings};
 *     {@code rope_theta} and {@code rope_scaling}/{@code rope_parameters} (none, {@code linear}, {@code llama3};
 *     {@code yarn}, {@code dynamic}, {@code longrope} and any other type refused); {@code attention_bias}
 *     (llama, mistral, qwen3: q, k, v and o), {@code mlp_bias} (llama); {@code hidden_act} silu only;
 *     {@code pretraining_tp} &gt; 1, {@code partial_rotary_factor} != 1, {@code attention_dropout} != 0 and
 *     nanotron's {@code rope_interleaved} true refused; mistral's {@code sliding_window} (default 4096, null for none); qwen2/qwen3's
 *     {@code use_sliding_window} with {@code sliding_window} and {@code max_window_layers} (a window on all
 *     layers or on none; a window on some layers only is refused), {@code layer_types} likewise.</li>
 * </ul>
 * Keys that only name things (ids, dtype, generation defaults, classification labels) are accepted; any other
 * key is refused by name, since a key Stratum does not know may change the model.
 */
public final class HfConfig {

    public static final String FILE = "config.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Keys of {@code PretrainedConfig} and common tooling that do not change a causal LM's outputs. */
    private static final Set<String> NEUTRAL = Set.of("architectures", "model_type", "transformers_version",
            "torch_dtype", "dtype", "_name_or_path", "use_cache", "initializer_range", "bos_token_id", "eos_token_id",
            "pad_token_id", "sep_token_id", "decoder_start_token_id", "output_attentions", "output_hidden_states",
            "return_dict", "torchscript", "id2label", "label2id", "problem_type", "tokenizer_class", "prefix",
            "task_specific_params", "finetuning_task", "chunk_size_feed_forward", "max_length", "min_length",
            "do_sample", "early_stopping", "num_beams", "num_beam_groups", "diversity_penalty", "temperature",
            "top_k", "top_p", "typical_p", "repetition_penalty", "length_penalty", "no_repeat_ngram_size",
            "encoder_no_repeat_ngram_size", "bad_words_ids", "num_return_sequences", "output_scores",
            "return_dict_in_generate", "forced_bos_token_id", "forced_eos_token_id", "remove_invalid_values",
            "exponential_decay_length_penalty", "suppress_tokens", "begin_suppress_tokens", "use_bfloat16",
            "tf_legacy_loss", "_attn_implementation", "attn_implementation", "_attn_implementation_autoset",
            "gradient_checkpointing", "is_encoder_decoder", "is_decoder", "tie_encoder_decoder",
            "cross_attention_hidden_size");
    /** GPT-2 keys for other heads (GPT2DoubleHeadsModel's summary) or kept for old checkpoints ({@code n_ctx}). */
    private static final Set<String> GPT2_NEUTRAL = Set.of("summary_type", "summary_use_proj", "summary_activation",
            "summary_proj_to_labels", "summary_first_dropout", "n_ctx", "reorder_and_upcast_attn");

    private HfConfig() {
    }

    /** A config file's family and model. */
    public record Parsed(Family family, ModelConfig config) {
    }

    /** Reads {@code dir/config.json} of any supported family. */
    public static ModelConfig read(Path dir) throws IOException {
        return parse(dir).config();
    }

    /** Reads {@code dir/config.json}: its family and model; a key it cannot honour is an IOException naming it. */
    public static Parsed parse(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        JsonNode n;
        try {
            n = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": cannot be read as JSON: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject()) {
            throw new IOException(file + ": must be a JSON object");
        }
        return parse(file, n);
    }

    /** {@link #parse(Path)} of an already read object; {@code file} names it in messages. */
    public static Parsed parse(Path file, JsonNode n) throws IOException {
        Keys k = new Keys(file, n);
        Family family;
        try {
            family = Family.ofModelType(n.path("model_type").asText());
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
        try {
            ModelConfig config = family == Family.GPT2 ? gpt2(k) : llama(k, family);
            k.refuseUnread(family);
            WeightMap.of(family, config); // the family's tensors can hold it
            return new Parsed(family, config);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static ModelConfig gpt2(Keys k) throws IOException {
        int embd = k.integer("n_embd", 768);
        int nHead = k.integer("n_head", 12);
        if (nHead < 1 || embd % nHead != 0) {
            throw k.refuse("n_embd", embd + " is not a multiple of n_head " + nHead);
        }
        JsonNode inner = k.node("n_inner");
        int intermediate = inner == null || inner.isNull() ? 4 * embd : k.integer("n_inner", 0);
        String act = k.text("activation_function", "gelu_new");
        if (!Set.of("gelu_new", "gelu_pytorch_tanh", "gelu_fast").contains(act)) {
            throw k.refuse("activation_function", "'" + act + "' is not GELU's tanh approximation (gelu_new, "
                    + "gelu_pytorch_tanh, gelu_fast); unsupported");
        }
        if (!k.bool("scale_attn_weights", true)) {
            throw k.refuse("scale_attn_weights", "false (no 1/sqrt(head_dim) scaling) is not supported");
        }
        if (!k.bool("tie_word_embeddings", true)) {
            throw k.refuse("tie_word_embeddings", "false: GPT-2's head is tied to wte; an untied GPT-2 head is "
                    + "not supported");
        }
        if (k.bool("add_cross_attention", false)) {
            throw k.refuse("add_cross_attention", "true: cross-attention is not supported");
        }
        double resid = k.real("resid_pdrop", 0.1);
        double embdDrop = k.real("embd_pdrop", 0.1);
        double attnDrop = k.real("attn_pdrop", 0.1);
        if (resid != embdDrop || resid != attnDrop) {
            throw k.refuse("attn_pdrop", "resid_pdrop " + resid + ", embd_pdrop " + embdDrop + " and attn_pdrop "
                    + attnDrop + " differ; Stratum has one dropout probability: set all three equal");
        }
        k.bool("reorder_and_upcast_attn", false); // attention runs in float32; the reorder is exact
        return new ModelConfig(k.integer("vocab_size", 50257), k.integer("n_positions", 1024),
                k.integer("n_layer", 12), nHead, nHead, embd / nHead, embd, intermediate, Norm.LAYER_NORM,
                k.real("layer_norm_epsilon", 1e-5), Positions.LEARNED, 10000.0, null, true, true, false,
                Mlp.GELU_TANH, true, true, k.bool("scale_attn_by_inverse_layer_idx", false), 0, resid);
    }

    /** {@code transformers}' defaults per family: intermediate, kv heads (0 = heads), max positions, tied. */
    private record Defaults(int intermediate, int kvHeads, int maxPositions, int headDim) {
        static Defaults of(Family f) {
            return switch (f) {
                case LLAMA -> new Defaults(11008, 0, 2048, 0);
                case MISTRAL -> new Defaults(14336, 8, 4096 * 32, 0);
                case QWEN2 -> new Defaults(22016, 32, 32768, 0);
                case QWEN3 -> new Defaults(22016, 32, 32768, 128);
                case GPT2 -> throw new IllegalStateException();
            };
        }
    }

    private static ModelConfig llama(Keys k, Family family) throws IOException {
        Defaults d = Defaults.of(family);
        int hidden = k.integer("hidden_size", 4096);
        int heads = k.integer("num_attention_heads", 32);
        JsonNode kvNode = k.node("num_key_value_heads");
        int kv = kvNode == null || kvNode.isNull() ? (d.kvHeads == 0 || kvNode != null ? heads : d.kvHeads)
                : k.integer("num_key_value_heads", 0);
        JsonNode hdNode = k.node("head_dim");
        int headDim = hdNode == null || hdNode.isNull() ? (d.headDim != 0 && hdNode == null ? d.headDim : 0)
                : k.integer("head_dim", 0);
        if (headDim == 0 && (heads < 1 || hidden % heads != 0)) {
            throw k.refuse("hidden_size", hidden + " is not a multiple of num_attention_heads " + heads
                    + " and no head_dim is given");
        }
        String act = k.text("hidden_act", "silu");
        if (!act.equals("silu") && !act.equals("swish")) {
            throw k.refuse("hidden_act", "'" + act + "' is not supported; the gated MLP is SwiGLU (silu)");
        }
        if (k.integer("pretraining_tp", 1) > 1) {
            throw k.refuse("pretraining_tp", "values above 1 are not supported");
        }
        if (k.has("partial_rotary_factor") && k.real("partial_rotary_factor", 1.0) != 1.0) {
            throw k.refuse("partial_rotary_factor", "rotating part of each head is not supported (only 1.0)");
        }
        if (k.real("attention_dropout", 0.0) != 0.0) {
            throw k.refuse("attention_dropout", "dropout on attention weights only is not supported; set 0.0");
        }
        boolean qkvBias;
        boolean outBias;
        if (family == Family.QWEN2) {
            qkvBias = true;
            outBias = false;
        } else {
            qkvBias = k.bool("attention_bias", false);
            outBias = qkvBias;
        }
        boolean mlpBias = family == Family.LLAMA && k.bool("mlp_bias", false);
        if (k.bool("rope_interleaved", false)) {
            throw k.refuse("rope_interleaved", "true (GPT-J's interleaved RoPE) is not supported; Hugging Face's "
                    + "Llama layout rotates halves");
        }
        k.bool("is_llama_config", true); // nanotron's marker (SmolLM): names the architecture, changes nothing
        if (family == Family.QWEN2 && k.bool("use_mrope", false)) {
            throw k.refuse("use_mrope", "multimodal RoPE is not supported");
        }
        int layers = k.integer("num_hidden_layers", 32);
        int maxPositions = k.integer("max_position_embeddings", d.maxPositions);
        double[] theta = {10000.0};
        RopeScaling scaling = rope(k, theta);
        int window = slidingWindow(k, family, layers);
        return new ModelConfig(k.integer("vocab_size", family == Family.QWEN2 || family == Family.QWEN3 ? 151936
                : 32000), maxPositions, layers, heads, kv, headDim, hidden, k.integer("intermediate_size",
                d.intermediate), Norm.RMS_NORM, k.real("rms_norm_eps", 1e-6), Positions.ROPE, theta[0], scaling,
                qkvBias, outBias, family == Family.QWEN3, Mlp.SWIGLU, mlpBias, k.bool("tie_word_embeddings", false),
                false, window, 0.0);
    }

    /**
     * RoPE's base and scaling: {@code rope_theta} and {@code rope_scaling} (transformers 4.x), or
     * {@code rope_parameters} holding both (5.x). {@code theta[0]} receives the base.
     */
    private static RopeScaling rope(Keys k, double[] theta) throws IOException {
        theta[0] = k.real("rope_theta", 10000.0);
        String key = k.has("rope_parameters") ? "rope_parameters" : "rope_scaling";
        JsonNode s = k.node(key);
        if (k.has("rope_parameters") && k.has("rope_scaling") && !k.node("rope_scaling").isNull()) {
            throw k.refuse("rope_scaling", "given together with rope_parameters; keep one");
        }
        k.node("rope_scaling");
        if (s == null || s.isNull()) {
            return null;
        }
        if (!s.isObject()) {
            throw k.refuse(key, "must be an object or null, got " + s);
        }
        String type = s.has("rope_type") ? s.get("rope_type").asText() : s.path("type").asText("default");
        Set<String> known = new TreeSet<>(Set.of("rope_type", "type", "rope_theta"));
        if (s.has("rope_theta")) {
            theta[0] = s.get("rope_theta").asDouble();
        }
        RopeScaling out;
        switch (type) {
            case "default" -> out = null;
            case "linear" -> {
                known.add("factor");
                out = RopeScaling.linear(number(k, key, s, "factor", Double.NaN));
            }
            case "llama3" -> {
                known.addAll(Set.of("factor", "low_freq_factor", "high_freq_factor",
                        "original_max_position_embeddings"));
                out = new RopeScaling("llama3", number(k, key, s, "factor", Double.NaN),
                        number(k, key, s, "low_freq_factor", 1.0), number(k, key, s, "high_freq_factor", 4.0),
                        (int) number(k, key, s, "original_max_position_embeddings", Double.NaN));
            }
            default -> throw k.refuse(key + ".rope_type", "'" + type + "' is not supported (default, linear and "
                    + "llama3 are; yarn, dynamic, longrope and others are not)");
        }
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw k.refuse(key + "." + f, "is not used by rope_type '" + type + "' in Stratum; it may change "
                        + "the model, so it is refused");
            }
        }
        return out;
    }

    private static double number(Keys k, String key, JsonNode s, String field, double dflt) throws IOException {
        JsonNode v = s.get(field);
        if (v == null || v.isNull()) {
            if (Double.isNaN(dflt)) {
                throw k.refuse(key + "." + field, "missing; rope_type '" + s.path("rope_type").asText(
                        s.path("type").asText()) + "' needs it");
            }
            return dflt;
        }
        if (!v.isNumber()) {
            throw k.refuse(key + "." + field, "must be a number, got " + v);
        }
        return v.asDouble();
    }

    /** The attention window on every layer, or 0 for full causal attention. */
    private static int slidingWindow(Keys k, Family family, int layers) throws IOException {
        int window;
        if (family == Family.MISTRAL) {
            JsonNode w = k.node("sliding_window");
            window = w == null ? 4096 : w.isNull() ? 0 : k.integer("sliding_window", 0);
        } else if (family == Family.QWEN2 || family == Family.QWEN3) {
            boolean use = k.bool("use_sliding_window", false);
            JsonNode w = k.node("sliding_window");
            int size = w == null ? 4096 : w.isNull() ? 0 : k.integer("sliding_window", 0);
            int maxWindowLayers = k.integer("max_window_layers", 28);
            // transformers: layer i slides when use_sliding_window and i >= max_window_layers
            if (!use || size == 0 || maxWindowLayers >= layers) {
                window = 0;
            } else if (maxWindowLayers <= 0) {
                window = size;
            } else {
                throw k.refuse("max_window_layers", maxWindowLayers + " gives a sliding window to layers "
                        + maxWindowLayers + ".." + (layers - 1) + " only; a window on some layers is not supported");
            }
        } else {
            window = 0;
        }
        JsonNode types = k.node("layer_types");
        if (types != null && !types.isNull()) {
            if (!types.isArray() || types.size() != layers) {
                throw k.refuse("layer_types", "must list one type per layer (" + layers + ")");
            }
            Set<String> kinds = new TreeSet<>();
            types.forEach(t -> kinds.add(t.asText()));
            if (kinds.equals(Set.of("full_attention"))) {
                if (window != 0) {
                    throw k.refuse("layer_types", "all full_attention contradicts the sliding window " + window);
                }
            } else if (!kinds.equals(Set.of("sliding_attention")) || window == 0) {
                throw k.refuse("layer_types", kinds + " is not supported: every layer full_attention, or every "
                        + "layer sliding_attention with a sliding_window");
            }
        }
        return window;
    }

    /** The config of {@code model} in the family it infers ({@link Family#infer}). */
    public static ObjectNode toJson(ModelConfig model, int eosTokenId, String torchDtype) {
        return toJson(model, Family.infer(model), eosTokenId, torchDtype);
    }

    /**
     * The config of {@code model} as {@code family}'s {@code config.json}: architectures, model_type,
     * torch_dtype and every key of that family that the model's math depends on.
     */
    public static ObjectNode toJson(ModelConfig model, Family family, int eosTokenId, String torchDtype) {
        WeightMap.of(family, model); // refuses a config the family cannot hold
        ObjectNode n = JSON.createObjectNode();
        n.putArray("architectures").add(family.architecture());
        n.put("model_type", family.modelType());
        if (family == Family.GPT2) {
            n.put("vocab_size", model.vocabSize());
            n.put("n_positions", model.contextLength());
            n.put("n_ctx", model.contextLength());
            n.put("n_embd", model.dModel());
            n.put("n_layer", model.nLayer());
            n.put("n_head", model.nHead());
            if (model.intermediateSize() == 4 * model.dModel()) {
                n.putNull("n_inner");
            } else {
                n.put("n_inner", model.intermediateSize());
            }
            n.put("activation_function", "gelu_new");
            n.put("layer_norm_epsilon", model.normEps());
            n.put("scale_attn_weights", true);
            n.put("scale_attn_by_inverse_layer_idx", model.scaleAttnByInverseLayerIdx());
            n.put("reorder_and_upcast_attn", false);
            n.put("resid_pdrop", model.dropout());
            n.put("embd_pdrop", model.dropout());
            n.put("attn_pdrop", model.dropout());
            n.put("initializer_range", 0.02);
            n.put("bos_token_id", eosTokenId);
        } else {
            n.put("vocab_size", model.vocabSize());
            n.put("hidden_size", model.dModel());
            n.put("intermediate_size", model.intermediateSize());
            n.put("num_hidden_layers", model.nLayer());
            n.put("num_attention_heads", model.nHead());
            n.put("num_key_value_heads", model.nKvHead());
            n.put("head_dim", model.headDim());
            n.put("hidden_act", "silu");
            n.put("max_position_embeddings", model.contextLength());
            n.put("rms_norm_eps", model.normEps());
            n.put("rope_theta", model.ropeTheta());
            RopeScaling s = model.ropeScaling();
            if (s == null) {
                n.putNull("rope_scaling");
            } else {
                ObjectNode r = n.putObject("rope_scaling");
                r.put("rope_type", s.type());
                r.put("factor", s.factor());
                if (s.type().equals("llama3")) {
                    r.put("low_freq_factor", s.lowFreqFactor());
                    r.put("high_freq_factor", s.highFreqFactor());
                    r.put("original_max_position_embeddings", s.originalMaxPositionEmbeddings());
                }
            }
            if (family != Family.QWEN2) {
                n.put("attention_bias", model.qkvBias());
            }
            if (family == Family.LLAMA) {
                n.put("mlp_bias", model.mlpBias());
                n.put("pretraining_tp", 1);
            }
            n.put("attention_dropout", 0.0);
            if (family == Family.MISTRAL) {
                if (model.slidingWindow() == 0) {
                    n.putNull("sliding_window");
                } else {
                    n.put("sliding_window", model.slidingWindow());
                }
            } else if (family == Family.QWEN2 || family == Family.QWEN3) {
                n.put("use_sliding_window", model.slidingWindow() > 0);
                if (model.slidingWindow() == 0) {
                    n.putNull("sliding_window"); // as transformers writes it without a window
                } else {
                    n.put("sliding_window", model.slidingWindow());
                }
                n.put("max_window_layers", model.slidingWindow() > 0 ? 0 : model.nLayer());
            }
            n.put("initializer_range", 0.02);
        }
        n.put("eos_token_id", eosTokenId);
        n.put("tie_word_embeddings", model.tiedEmbeddings());
        n.put("torch_dtype", torchDtype);
        return n;
    }

    /** Writes the config of float32 weights. */
    public static void write(Path dir, ModelConfig model, int eosTokenId) throws IOException {
        write(dir, model, eosTokenId, "float32");
    }

    public static void write(Path dir, ModelConfig model, int eosTokenId, String torchDtype) throws IOException {
        write(dir, model, Family.infer(model), eosTokenId, torchDtype);
    }

    public static void write(Path dir, ModelConfig model, Family family, int eosTokenId, String torchDtype)
            throws IOException {
        AtomicFiles.writeString(dir.resolve(FILE), JSON.writeValueAsString(toJson(model, family, eosTokenId,
                torchDtype)));
    }

    /**
     * The end-of-text id recorded in {@code config.json} (the first of a list, as Llama 3's), or
     * {@code vocab_size - 1} when it has none.
     */
    public static int eosTokenId(Path dir) throws IOException {
        JsonNode n = JSON.readTree(dir.resolve(FILE).toFile());
        JsonNode eos = n.path("eos_token_id");
        if (eos.isArray() && eos.size() > 0) {
            eos = eos.get(0);
        }
        return eos.canConvertToInt() ? eos.asInt() : n.path("vocab_size").asInt() - 1;
    }

    /** The keys of one file: typed reads that name the file and key, and the set of keys read. */
    private static final class Keys {
        private final Path file;
        private final JsonNode n;
        private final Set<String> read = new TreeSet<>();

        Keys(Path file, JsonNode n) {
            this.file = file;
            this.n = n;
        }

        boolean has(String key) {
            read.add(key);
            return n.has(key) && !n.get(key).isNull();
        }

        JsonNode node(String key) {
            read.add(key);
            return n.get(key);
        }

        int integer(String key, int dflt) throws IOException {
            JsonNode v = node(key);
            if (v == null) {
                return dflt;
            }
            if (!v.canConvertToInt() || !v.isIntegralNumber()) {
                throw refuse(key, "must be an integer, got " + v);
            }
            return v.asInt();
        }

        double real(String key, double dflt) throws IOException {
            JsonNode v = node(key);
            if (v == null) {
                return dflt;
            }
            if (!v.isNumber()) {
                throw refuse(key, "must be a number, got " + v);
            }
            return v.asDouble();
        }

        boolean bool(String key, boolean dflt) throws IOException {
            JsonNode v = node(key);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isBoolean()) {
                throw refuse(key, "must be true or false, got " + v);
            }
            return v.asBoolean();
        }

        String text(String key, String dflt) throws IOException {
            JsonNode v = node(key);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isTextual()) {
                throw refuse(key, "must be a string, got " + v);
            }
            return v.asText();
        }

        IOException refuse(String key, String why) {
            return new IOException(file + ": key '" + key + "': " + why);
        }

        /** Any key neither read nor known to leave the outputs unchanged is refused by name. */
        void refuseUnread(Family family) throws IOException {
            JsonNode pruned = n.get("pruned_heads");
            if (pruned != null && !(pruned.isObject() && pruned.isEmpty())) {
                throw refuse("pruned_heads", "pruned attention heads are not supported");
            }
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!read.contains(key) && !NEUTRAL.contains(key) && !key.equals("pruned_heads")
                        && !(family == Family.GPT2 && GPT2_NEUTRAL.contains(key))) {
                    throw refuse(key, "is not a " + family.modelType() + " key Stratum knows; it may change the "
                            + "model, so it is refused (remove it if it does not)");
                }
            }
        }
    }
}
