package ai.stratum.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Loads a config record from layers: a preset bundled under {@code configs/} -> a YAML or JSON file ->
 * {@code --set a.b=value} overrides, each layer deep-merged over the one before.
 *
 * <p>Keys are snake_case ({@code n_layer} binds to the record component {@code nLayer}). The merged tree is
 * bound strictly: unknown keys, wrong types and values that a record's compact constructor rejects all become a
 * {@link ConfigException} naming the key, the layer that set it, and what is allowed. Compact constructors
 * report a bad value as {@code IllegalArgumentException("key: what is wrong")}, the key being the component's
 * snake_case name, so the loader can tell which layer set it.
 */
public final class ConfigLoader {

    private static final ObjectMapper YAML = YAMLMapper.builder(new YAMLFactory()
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
            .build();

    private static final ObjectMapper BINDER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .build();

    private ConfigLoader() {
    }

    /** The bound config, the merged tree it came from, and which layer set each leaf key. */
    public record Resolved<T>(T value, ObjectNode tree, Map<String, String> origins) {
        /** The resolved config as YAML, as saved into a run directory and printed by {@code --dry-run}. */
        public String toYaml() {
            try {
                return YAML.writeValueAsString(tree);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Writes the resolved config to {@code file} (atomically: temp file, fsync, rename). */
        public void writeTo(Path file) throws IOException {
            ai.stratum.io.AtomicFiles.writeString(file, toYaml());
        }
    }

    /**
     * Resolves a config.
     *
     * @param type      the record to bind
     * @param preset    a preset name ({@code configs/NAME.yaml} inside the jar) or null
     * @param file      a YAML/JSON file or null
     * @param overrides {@code key.path=value} strings; the value is parsed as a YAML scalar or flow collection
     */
    public static <T> Resolved<T> load(Class<T> type, String preset, Path file, List<String> overrides) {
        return loadLayers(type, preset == null ? List.of() : List.of(preset), file, overrides);
    }

    /** {@link #load(Class, String, Path, List)} over several presets, each merged over the ones before it. */
    public static <T> Resolved<T> loadLayers(Class<T> type, List<String> presets, Path file,
                                             List<String> overrides) {
        ObjectNode tree = JsonNodeFactory.instance.objectNode();
        Map<String, String> origins = new LinkedHashMap<>();
        for (String preset : presets) {
            merge(tree, readPreset(preset), "", "preset '" + preset + "'", origins);
        }
        if (file != null) {
            merge(tree, readFile(file), "", file.toString(), origins);
        }
        for (String override : overrides) {
            applyOverride(tree, override, origins);
        }
        return new Resolved<>(bind(type, tree, origins), tree, origins);
    }

    /**
     * Resolves the config of a run being resumed: the run's saved {@code config.yaml} is the base layer, and
     * {@code file} and {@code overrides}, when given, change only the keys they name (a resumed run keeps its
     * own schedule, seed and every earlier override).
     *
     * @param saved the run's resolved config as saved when it started; it must exist
     */
    public static <T> Resolved<T> loadSaved(Class<T> type, Path saved, Path file, List<String> overrides) {
        if (!Files.isRegularFile(saved)) {
            throw new ConfigException(saved + ": not found, so the run's config is unknown and it cannot be "
                    + "resumed; start a new run (without --resume) in another directory");
        }
        ObjectNode tree = JsonNodeFactory.instance.objectNode();
        Map<String, String> origins = new LinkedHashMap<>();
        merge(tree, readFile(saved), "", "the run's saved " + saved, origins);
        if (file != null) {
            merge(tree, readFile(file), "", file.toString(), origins);
        }
        for (String override : overrides) {
            applyOverride(tree, override, origins);
        }
        return new Resolved<>(bind(type, tree, origins), tree, origins);
    }

    /** The names of the presets bundled in the jar under {@code configs/}, for error messages. */
    public static List<String> presetNames() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/configs/presets.txt")) {
            if (in == null) {
                return List.of();
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
                    .map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Whether the bundled preset {@code name} has the top-level key {@code key} (which kind of config it is). */
    public static boolean presetHas(String name, String key) {
        return readPreset(name).has(key);
    }

    static ObjectNode readPreset(String name) {
        String resource = "/configs/" + name + (name.endsWith(".yaml") ? "" : ".yaml");
        try (InputStream in = ConfigLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new ConfigException("unknown preset '" + name + "'; available presets: "
                        + String.join(", ", presetNames()));
            }
            return asObject(YAML.readTree(in), "preset '" + name + "'");
        } catch (IOException e) {
            throw new ConfigException("preset '" + name + "' cannot be read: " + e.getMessage());
        }
    }

    static ObjectNode readFile(Path file) {
        if (Files.isDirectory(file)) {
            throw new ConfigException("config file " + file + " is a directory; pass a YAML or JSON file");
        }
        try {
            String text = Files.readString(file);
            return asObject(YAML.readTree(text), file.toString());
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file not found: " + file);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
            throw new ConfigException(file + where + ": not valid YAML or JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException("config file " + file + " cannot be read: " + e.getMessage());
        }
    }

    private static ObjectNode asObject(JsonNode node, String source) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return JsonNodeFactory.instance.objectNode();
        }
        if (!node.isObject()) {
            throw new ConfigException(source + ": the top level must be a mapping of keys to values, got "
                    + node.getNodeType().toString().toLowerCase());
        }
        return (ObjectNode) node;
    }

    /** Deep-merges {@code layer} into {@code into}: mappings merge key by key; anything else replaces. */
    static void merge(ObjectNode into, ObjectNode layer, String prefix, String origin, Map<String, String> origins) {
        Iterator<Map.Entry<String, JsonNode>> fields = layer.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
            JsonNode existing = into.get(field.getKey());
            if (field.getValue().isObject() && existing != null && existing.isObject()) {
                merge((ObjectNode) existing, (ObjectNode) field.getValue(), key, origin, origins);
            } else {
                into.set(field.getKey(), field.getValue().deepCopy());
                origins.keySet().removeIf(k -> k.equals(key) || k.startsWith(key + "."));
                recordOrigins(field.getValue(), key, origin, origins);
            }
        }
    }

    private static void recordOrigins(JsonNode node, String key, String origin, Map<String, String> origins) {
        origins.put(key, origin);
        if (node.isObject()) {
            node.fields().forEachRemaining(f -> recordOrigins(f.getValue(), key + "." + f.getKey(), origin, origins));
        }
    }

    static void applyOverride(ObjectNode tree, String override, Map<String, String> origins) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set '" + override + "': expected key.path=value, e.g. --set optim.lr=3e-4");
        }
        String key = override.substring(0, eq).strip();
        String raw = override.substring(eq + 1);
        if (key.isEmpty() || key.startsWith(".") || key.endsWith(".") || key.contains("..")) {
            throw new ConfigException("--set '" + override + "': '" + key + "' is not a key path like model.n_layer");
        }
        JsonNode value;
        try {
            value = raw.isBlank() ? JsonNodeFactory.instance.textNode(raw) : YAML.readTree(raw);
        } catch (JsonProcessingException e) {
            throw new ConfigException("--set '" + override + "': the value is not a YAML value: "
                    + e.getOriginalMessage());
        }
        String[] parts = key.split("\\.");
        ObjectNode layer = JsonNodeFactory.instance.objectNode();
        ObjectNode cursor = layer;
        for (int i = 0; i < parts.length - 1; i++) {
            cursor = cursor.putObject(parts[i]);
        }
        cursor.set(parts[parts.length - 1], value);
        merge(tree, layer, "", "--set " + key, origins);
    }

    static <T> T bind(Class<T> type, ObjectNode tree, Map<String, String> origins) {
        try {
            return BINDER.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            String key = path(e, e.getPropertyName());
            String parent = path(e, null);
            TreeSet<String> known = new TreeSet<>();
            for (Object id : e.getKnownPropertyIds()) {
                known.add(String.valueOf(id));
            }
            throw new ConfigException("unknown key '" + key + "'" + from(origins, key)
                    + "; allowed keys" + (parent.isEmpty() ? "" : " under '" + parent + "'") + ": "
                    + String.join(", ", known));
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            String parent = path(e, null);
            String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
            int colon = message.indexOf(':');
            String field = colon > 0 && message.substring(0, colon).matches("[a-z0-9_]+")
                    ? message.substring(0, colon) : null;
            String key = field == null ? parent : (parent.isEmpty() ? field : parent + "." + field);
            String detail = field == null ? message : message.substring(colon + 1).strip();
            throw new ConfigException("invalid value for '" + (key.isEmpty() ? "<top level>" : key) + "'"
                    + from(origins, key) + ": " + detail);
        } catch (InvalidFormatException e) {
            String key = path(e, null);
            throw new ConfigException("wrong type for '" + key + "'" + from(origins, key) + ": expected "
                    + typeName(e.getTargetType()) + ", got '" + e.getValue() + "'");
        } catch (MismatchedInputException e) {
            String key = path(e, null);
            String message = e.getOriginalMessage();
            if (message.startsWith("Missing required creator property") || message.startsWith("Missing creator property")) {
                int q1 = message.indexOf('\'');
                int q2 = message.indexOf('\'', q1 + 1);
                String field = q1 >= 0 && q2 > q1 ? message.substring(q1 + 1, q2) : "?";
                String full = key.equals(field) || key.endsWith("." + field) ? key
                        : (key.isEmpty() ? field : key + "." + field);
                throw new ConfigException("missing key '" + full + "': every key must be set by the preset, "
                        + "the config file or --set " + full + "=...");
            }
            throw new ConfigException("wrong type for '" + key + "'" + from(origins, key) + ": expected "
                    + typeName(e.getTargetType()) + describeGot(tree, key));
        } catch (JsonMappingException e) {
            String key = path(e, null);
            throw new ConfigException("invalid config at '" + key + "'" + from(origins, key) + ": "
                    + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new ConfigException("invalid config: " + e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("invalid config: " + e.getMessage());
        }
    }

    private static String describeGot(ObjectNode tree, String key) {
        JsonNode node = tree;
        for (String part : key.split("\\.")) {
            if (node == null || part.isEmpty()) {
                break;
            }
            node = part.matches("\\d+") && node.isArray() ? node.get(Integer.parseInt(part)) : node.get(part);
        }
        if (node == null || node == tree) {
            return "";
        }
        return ", got " + (node.isContainerNode() ? node.getNodeType().toString().toLowerCase() : "'" + node.asText() + "'");
    }

    private static String path(JsonMappingException e, String leaf) {
        List<String> parts = new ArrayList<>();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                parts.add(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                parts.add(String.valueOf(ref.getIndex()));
            }
        }
        if (leaf != null && !parts.isEmpty() && parts.get(parts.size() - 1).equals(leaf)) {
            parts.remove(parts.size() - 1);
        }
        String joined = String.join(".", parts);
        if (leaf == null) {
            return joined;
        }
        return joined.isEmpty() ? leaf : joined + "." + leaf;
    }

    private static String from(Map<String, String> origins, String key) {
        String k = key;
        while (!k.isEmpty()) {
            String origin = origins.get(k);
            if (origin != null) {
                return " (set by " + origin + ")";
            }
            int dot = k.lastIndexOf('.');
            k = dot < 0 ? "" : k.substring(0, dot);
        }
        return "";
    }

    private static String typeName(Class<?> type) {
        if (type == null) {
            return "a different type";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "an integer";
        }
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type.isEnum()) {
            return "one of " + java.util.Arrays.stream(type.getEnumConstants())
                    .map(c -> c.toString().toLowerCase()).collect(Collectors.joining(", "));
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (type.isRecord() || Map.class.isAssignableFrom(type)) {
            return "a mapping";
        }
        return "a " + type.getSimpleName();
    }
}
