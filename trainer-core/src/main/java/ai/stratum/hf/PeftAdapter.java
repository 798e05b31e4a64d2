package ai.stratum.hf;

import ai.stratum.io.AtomicFiles;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import ai.stratum.model.TensorSpec;
import ai.stratum.model.lora.LoraAdapters;
import ai.stratum.model.lora.LoraConfig;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * LoRA adapters in PEFT's layout, so an adapter trained here loads with {@code peft} on the same base:
 * {@code adapter_config.json} (peft_type LORA, r, lora_alpha, lora_dropout, target_modules, use_rslora,
 * rank_pattern, alpha_pattern, fan_in_fan_out true for GPT-2's Conv1D, base_model_name_or_path absolute) and {@code adapter_model.safetensors} whose tensors are named
 * {@code base_model.model.transformer.h.{i}.attn.c_attn.lora_A.weight} [r, in] and {@code ...lora_B.weight}
 * [out, r] for GPT-2, {@code base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight} for the Llama family
 * ({@link LoraAdapters#hfName}).
 */
public final class PeftAdapter {

    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    /** What PEFT prefixes every module path with. */
    static final String PREFIX = "base_model.model.";

    private static final ObjectMapper JSON = new ObjectMapper();

    private PeftAdapter() {
    }

    /**
     * Keys of PEFT's {@code LoraConfig} that do not change a trained adapter's result (bookkeeping, or options of
     * a fresh adapter's initialization that a saved one has already applied).
     */
    private static final Set<String> NEUTRAL = Set.of("peft_type", "task_type", "base_model_name_or_path",
            "revision", "inference_mode", "auto_mapping", "peft_version", "runtime_config", "megatron_core",
            "loftq_config", "eva_config", "corda_config", "qalora_group_size");
    /**
     * Keys that must be absent, null, false or empty: each changes the adapted model in a way Stratum cannot run.
     * The last five are LoRA variants peft 0.21 writes as null in every adapter (KaSA, VeLoRA, LoRA-GA's
     * initialization, MonteCLoRA, BD-LoRA).
     */
    private static final List<String> REFUSED_UNLESS_EMPTY = List.of("use_dora", "lora_bias", "modules_to_save",
            "layers_to_transform", "layers_pattern", "layer_replication", "megatron_config", "exclude_modules",
            "target_parameters", "trainable_token_indices", "use_qalora", "alora_invocation_tokens", "arrow_config",
            "ensure_weight_tying", "kasa_config", "velora_config", "lora_ga_config", "monteclora_config",
            "use_bdlora");

    /**
     * Writes both files into {@code dir} (created if needed), each atomically. {@code baseModel} is recorded as
     * an absolute, normalized path when it names a local directory, so the adapter resolves from any working
     * directory.
     */
    public static void save(Path dir, LoraAdapters adapters, String baseModel) throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.writeString(dir.resolve(CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(
                configJson(adapters.config(), baseModel, adapters.fanInFanOut())));
        List<Safetensors.Source> sources = new ArrayList<>();
        for (TensorSpec t : adapters.layout().tensors()) {
            sources.add(new Safetensors.Source(name(adapters, t), t.shape(), adapters.params(), t.offset()));
        }
        Safetensors.write(dir.resolve(WEIGHTS), sources, Map.of("format", "pt"));
    }

    /**
     * {@code adapter_config.json} for {@code c}: {@code fanInFanOut} true for GPT-2's Conv1D, false for
     * {@code nn.Linear} (Llama, Mistral, Qwen).
     */
    public static ObjectNode configJson(LoraConfig c, String baseModel, boolean fanInFanOut) {
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("peft_type", "LORA");
        cfg.put("task_type", "CAUSAL_LM");
        cfg.put("r", c.r());
        putNumber(cfg, "lora_alpha", c.alpha());
        cfg.put("lora_dropout", c.dropout());
        ArrayNode targets = cfg.putArray("target_modules");
        c.targetModules().forEach(targets::add);
        cfg.put("fan_in_fan_out", fanInFanOut);
        cfg.put("bias", "none");
        cfg.put("base_model_name_or_path", absoluteIfLocal(baseModel));
        cfg.put("inference_mode", true);
        cfg.put("init_lora_weights", true);
        cfg.putNull("modules_to_save");
        cfg.put("use_rslora", c.useRslora());
        ObjectNode ranks = cfg.putObject("rank_pattern");
        c.rankPattern().forEach(ranks::put);
        ObjectNode alphas = cfg.putObject("alpha_pattern");
        c.alphaPattern().forEach((k, v) -> putNumber(alphas, k, v));
        cfg.put("use_dora", false);
        return cfg;
    }

    /** An integral alpha as an integer, as PEFT's {@code lora_alpha: int} writes it; any other as a number. */
    private static void putNumber(ObjectNode node, String key, double value) {
        if (value == Math.rint(value) && Math.abs(value) < Integer.MAX_VALUE) {
            node.put(key, (int) value);
        } else {
            node.put(key, value);
        }
    }

    /** A local directory's absolute, normalized path; anything else (a hub id) as given. */
    static String absoluteIfLocal(String baseModel) {
        if (baseModel == null || baseModel.isEmpty()) {
            return baseModel;
        }
        try {
            Path p = Path.of(baseModel);
            return Files.isDirectory(p) ? p.toAbsolutePath().normalize().toString() : baseModel;
        } catch (java.nio.file.InvalidPathException e) {
            return baseModel;
        }
    }

    /**
     * Reads {@code adapter_config.json} into a {@link LoraConfig}, honouring {@code r}, {@code lora_alpha},
     * {@code lora_dropout}, {@code target_modules} (a list, or {@code all-linear}), {@code use_rslora},
     * {@code rank_pattern} and {@code alpha_pattern}; {@code fan_in_fan_out} is accepted either way since PEFT
     * itself forces it per layer type (true for Conv1D, false for nn.Linear). Keys that change the result and are
     * not implemented ({@code use_dora}, {@code lora_bias}, non-empty {@code modules_to_save}, a layer selection,
     * {@code bias} other than none, an initialization that rewrites the base such as PiSSA or LoftQ) and unknown
     * keys are refused, naming the file and key.
     */
    public static LoraConfig readConfig(Path dir) throws IOException {
        Path file = dir.resolve(CONFIG);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "not a PEFT adapter directory: "
                    + CONFIG + " is missing");
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": must be a JSON object");
        }
        if (!"LORA".equals(root.path("peft_type").asText())) {
            throw new IOException(file + ": key 'peft_type' is '" + root.path("peft_type").asText()
                    + "'; only LORA adapters are supported");
        }
        if (root.has("bias") && !"none".equals(root.path("bias").asText())) {
            throw new IOException(file + ": key 'bias' is " + root.get("bias") + "; only none is supported");
        }
        for (String key : REFUSED_UNLESS_EMPTY) {
            JsonNode v = root.get(key);
            boolean empty = v == null || v.isNull() || (v.isBoolean() && !v.asBoolean())
                    || ((v.isArray() || v.isObject()) && v.isEmpty());
            if (!empty) {
                throw new IOException(file + ": key '" + key + "' is " + v + "; Stratum does not implement it (it "
                        + "must be absent, null, false or empty)");
            }
        }
        JsonNode init = root.get("init_lora_weights");
        if (init != null && !init.isNull() && !init.isBoolean()
                && !Set.of("gaussian").contains(init.asText())) {
            throw new IOException(file + ": key 'init_lora_weights' is " + init + "; initializations that rewrite "
                    + "the base weights (pissa, olora, loftq, corda, eva) are not supported");
        }
        if (root.has("fan_in_fan_out") && !root.get("fan_in_fan_out").isBoolean()) {
            throw new IOException(file + ": key 'fan_in_fan_out' must be true or false, got "
                    + root.get("fan_in_fan_out"));
        }
        Set<String> known = new java.util.TreeSet<>(NEUTRAL);
        known.addAll(REFUSED_UNLESS_EMPTY);
        known.addAll(List.of("bias", "init_lora_weights", "fan_in_fan_out", "r", "lora_alpha", "lora_dropout",
                "target_modules", "use_rslora", "rank_pattern", "alpha_pattern"));
        for (var it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                throw new IOException(file + ": key '" + key + "' is not a PEFT LoRA key Stratum knows; it may "
                        + "change the adapter, so it is refused");
            }
        }
        List<String> targets = new ArrayList<>();
        JsonNode t = root.path("target_modules");
        if (t.isTextual()) {
            if (!t.asText().equals("all-linear")) {
                throw new IOException(file + ": key 'target_modules' is the regular expression '" + t.asText()
                        + "'; list the module names instead (or use all-linear)");
            }
            // every linear layer of the blocks, whichever the family (the names of the two never collide)
            targets.addAll(LoraConfig.GPT2_LINEARS);
            targets.addAll(LoraConfig.LLAMA_LINEARS);
        } else if (t.isArray()) {
            t.forEach(n -> targets.add(n.asText()));
        } else {
            throw new IOException(file + ": key 'target_modules' must be a list of module names");
        }
        if (root.has("use_rslora") && !root.get("use_rslora").isBoolean()) {
            throw new IOException(file + ": key 'use_rslora' must be true or false, got " + root.get("use_rslora"));
        }
        Map<String, Integer> ranks = new java.util.LinkedHashMap<>();
        for (var it = root.path("rank_pattern").fields(); it.hasNext(); ) {
            var f = it.next();
            if (!f.getValue().canConvertToInt() || !f.getValue().isIntegralNumber()) {
                throw new IOException(file + ": key 'rank_pattern' maps '" + f.getKey() + "' to " + f.getValue()
                        + "; ranks are integers");
            }
            ranks.put(f.getKey(), f.getValue().asInt());
        }
        Map<String, Double> alphas = new java.util.LinkedHashMap<>();
        for (var it = root.path("alpha_pattern").fields(); it.hasNext(); ) {
            var f = it.next();
            if (!f.getValue().isNumber()) {
                throw new IOException(file + ": key 'alpha_pattern' maps '" + f.getKey() + "' to " + f.getValue()
                        + "; alphas are numbers");
            }
            alphas.put(f.getKey(), f.getValue().asDouble());
        }
        try {
            return new LoraConfig(root.path("r").asInt(8), root.path("lora_alpha").asDouble(8),
                    root.path("lora_dropout").asDouble(0), targets, root.path("use_rslora").asBoolean(false), ranks,
                    alphas);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }

    /** The adapter's {@code base_model_name_or_path}, or empty when it names none. */
    public static java.util.Optional<String> baseModel(Path dir) throws IOException {
        readConfig(dir);
        JsonNode n = JSON.readTree(Files.readString(dir.resolve(CONFIG))).path("base_model_name_or_path");
        return n.isTextual() && !n.asText().isEmpty() ? java.util.Optional.of(n.asText()) : java.util.Optional.empty();
    }

    /** Loads an adapter for a base model of layout {@code base}; every tensor's name and shape is checked. */
    public static LoraAdapters load(Path dir, ModelConfig base, DataType dtype, int maxRows) throws IOException {
        LoraAdapters adapters = new LoraAdapters(readConfig(dir), base, dtype, maxRows);
        loadInto(dir, adapters);
        return adapters;
    }

    /**
     * Checks without loading that {@code dir} holds an adapter of exactly {@code adapters}' configuration and
     * tensors (names and shapes). Unreadable or truncated files are an {@link IOException} (a damaged adapter);
     * whole files describing another adapter are an {@link IllegalArgumentException} (another config).
     */
    public static void validate(Path dir, LoraAdapters adapters) throws IOException {
        LoraConfig stored = readConfig(dir);
        Safetensors.Header header = Safetensors.readHeader(dir.resolve(WEIGHTS));
        if (!stored.equals(adapters.config())) {
            throw new IllegalArgumentException(dir.resolve(CONFIG) + ": describes " + stored + " but the run uses "
                    + adapters.config());
        }
        for (TensorSpec t : adapters.layout().tensors()) {
            Safetensors.Entry e = header.tensors().get(name(adapters, t));
            if (e == null || !java.util.Arrays.equals(e.shape(), t.shape())) {
                throw new IllegalArgumentException(dir.resolve(WEIGHTS) + ": tensor '" + name(adapters, t) + "' is "
                        + (e == null ? "missing" : "of shape " + java.util.Arrays.toString(e.shape()))
                        + ", the adapter needs " + java.util.Arrays.toString(t.shape()));
            }
        }
        if (header.tensors().size() != adapters.layout().tensors().size()) {
            throw new IllegalArgumentException(dir.resolve(WEIGHTS) + ": holds " + header.tensors().size()
                    + " tensors but the adapter config describes " + adapters.layout().tensors().size()
                    + " for this base model");
        }
    }

    /** Replaces {@code adapters}' parameters with the tensors in {@code dir}. */
    public static void loadInto(Path dir, LoraAdapters adapters) throws IOException {
        Safetensors.Header header = Safetensors.readHeader(dir.resolve(WEIGHTS));
        ParameterLayout layout = adapters.layout();
        for (TensorSpec t : layout.tensors()) {
            Safetensors.readInto(header, name(adapters, t), t.shape(), adapters.params(), t.offset());
        }
        checkCount(dir, header, layout);
    }

    /** PEFT's name of an adapter tensor: {@code base_model.model.} + the base module's Hugging Face name. */
    private static String name(LoraAdapters adapters, TensorSpec t) {
        return PREFIX + adapters.hfName(t.name());
    }

    private static void checkCount(Path dir, Safetensors.Header header, ParameterLayout layout) throws IOException {
        if (header.tensors().size() != layout.tensors().size()) {
            throw new IOException(dir.resolve(WEIGHTS) + ": holds " + header.tensors().size() + " tensors but the "
                    + "adapter config describes " + layout.tensors().size() + " for this base model");
        }
    }
}
