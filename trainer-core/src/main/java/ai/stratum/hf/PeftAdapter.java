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

/**
 * LoRA adapters in PEFT's layout, so an adapter trained here loads with {@code peft} on the same GPT-2 base:
 * {@code adapter_config.json} (peft_type LORA, r, lora_alpha, lora_dropout, target_modules,
 * fan_in_fan_out true for GPT-2's Conv1D) and {@code adapter_model.safetensors} whose tensors are named
 * {@code base_model.model.transformer.h.{i}.attn.c_attn.lora_A.weight} [r, in] and {@code ...lora_B.weight}
 * [out, r].
 */
public final class PeftAdapter {

    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    /** Where PEFT puts a GPT2LMHeadModel's blocks. */
    static final String PREFIX = "base_model.model.";

    private static final ObjectMapper JSON = new ObjectMapper();

    private PeftAdapter() {
    }

    /** Writes both files into {@code dir} (created if needed), each atomically. */
    public static void save(Path dir, LoraAdapters adapters, String baseModel) throws IOException {
        Files.createDirectories(dir);
        LoraConfig c = adapters.config();
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("peft_type", "LORA");
        cfg.put("task_type", "CAUSAL_LM");
        cfg.put("r", c.r());
        cfg.put("lora_alpha", c.alpha());
        cfg.put("lora_dropout", c.dropout());
        ArrayNode targets = cfg.putArray("target_modules");
        c.targetModules().forEach(targets::add);
        cfg.put("fan_in_fan_out", adapters.fanInFanOut());
        cfg.put("bias", "none");
        cfg.put("base_model_name_or_path", baseModel);
        cfg.put("inference_mode", true);
        cfg.put("init_lora_weights", true);
        cfg.putNull("modules_to_save");
        cfg.put("use_rslora", false);
        cfg.put("use_dora", false);
        AtomicFiles.writeString(dir.resolve(CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cfg));
        List<Safetensors.Source> sources = new ArrayList<>();
        for (TensorSpec t : adapters.layout().tensors()) {
            sources.add(new Safetensors.Source(name(adapters, t), t.shape(), adapters.params(), t.offset()));
        }
        Safetensors.write(dir.resolve(WEIGHTS), sources, Map.of("format", "pt"));
    }

    /** Reads {@code adapter_config.json} into a {@link LoraConfig}, naming the file and key on any problem. */
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
        if (!"LORA".equals(root.path("peft_type").asText())) {
            throw new IOException(file + ": peft_type is '" + root.path("peft_type").asText()
                    + "'; only LORA adapters are supported");
        }
        if (root.path("bias").isTextual() && !"none".equals(root.path("bias").asText())) {
            throw new IOException(file + ": bias '" + root.path("bias").asText() + "' is not supported; only none");
        }
        if (root.path("use_dora").asBoolean(false)) {
            throw new IOException(file + ": DoRA adapters (use_dora) are not supported");
        }
        List<String> targets = new ArrayList<>();
        JsonNode t = root.path("target_modules");
        if (t.isTextual()) {
            targets.add(t.asText());
        } else {
            t.forEach(n -> targets.add(n.asText()));
        }
        try {
            return new LoraConfig(root.path("r").asInt(0), root.path("lora_alpha").asDouble(0),
                    root.path("lora_dropout").asDouble(0), targets);
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
