package ai.stratum.hf;

import ai.stratum.io.AtomicFiles;
import ai.stratum.model.ParameterLayout;
import ai.stratum.model.TensorSpec;
import ai.stratum.model.Views;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A model's weights in a Hugging Face directory: {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json} ({@code {"metadata": {"total_size": bytes}, "weight_map": {tensor: file}}}),
 * named by the family's {@link WeightMap}. Loading reads each stored tensor straight into its place in the flat
 * parameter buffer (rows of {@code qkv}/{@code fc}; GPT-2's Conv1D through one transposed temporary), so no second
 * copy of the model is held. Saving writes the parts in the table's order, in F32, F64 or BF16, in shards of at most
 * a given size (a larger tensor alone in its shard), each file atomically, the index last.
 */
public final class HfCheckpoint {

    public static final String MODEL = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";
    /** transformers' default {@code max_shard_size} (5 GB). */
    public static final long DEFAULT_SHARD_BYTES = 5_000_000_000L;

    private static final Pattern SHARD = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfCheckpoint() {
    }

    /** Where each stored tensor is: the header of its file. */
    public record Stored(Path dir, Map<String, Safetensors.Header> byTensor) {

        public Safetensors.Entry entry(String name) {
            Safetensors.Header h = byTensor.get(name);
            return h == null ? null : h.tensors().get(name);
        }

        /** The weight files, in name order (for fingerprints). */
        public List<Path> files() {
            return byTensor.values().stream().map(Safetensors.Header::file).distinct().sorted().toList();
        }
    }

    /**
     * Reads the headers of {@code dir}'s weights: {@code model.safetensors} when present (as transformers prefers
     * it), else every shard the index names. Damage (unreadable, truncated, an index naming a tensor its shard
     * lacks, a tensor in two shards) is an {@link IOException} naming the file.
     */
    public static Stored open(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve(MODEL))) {
            Safetensors.Header h = Safetensors.readHeader(dir.resolve(MODEL));
            Map<String, Safetensors.Header> map = new LinkedHashMap<>();
            h.tensors().keySet().forEach(n -> map.put(n, h));
            return new Stored(dir, Collections.unmodifiableMap(map));
        }
        Path index = dir.resolve(INDEX);
        if (!Files.isRegularFile(index)) {
            throw new IOException(dir + ": no " + MODEL + " and no " + INDEX + "; not a model directory");
        }
        JsonNode weightMap;
        try {
            weightMap = JSON.readTree(Files.readString(index)).path("weight_map");
        } catch (JsonProcessingException e) {
            throw new IOException(index + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (!weightMap.isObject() || weightMap.isEmpty()) {
            throw new IOException(index + ": key 'weight_map' must be a non-empty object {tensor: file}");
        }
        Map<String, Safetensors.Header> headers = new TreeMap<>();
        Map<String, Safetensors.Header> byTensor = new LinkedHashMap<>();
        for (var it = weightMap.fields(); it.hasNext(); ) {
            var f = it.next();
            String file = f.getValue().asText();
            if (!f.getValue().isTextual() || file.contains("/") || file.contains("\\") || file.startsWith(".")) {
                throw new IOException(index + ": weight_map['" + f.getKey() + "'] = " + f.getValue()
                        + " must be a file name inside " + dir);
            }
            Safetensors.Header h = headers.get(file);
            if (h == null) {
                h = Safetensors.readHeader(dir.resolve(file));
                headers.put(file, h);
            }
            if (!h.tensors().containsKey(f.getKey())) {
                throw new IOException(dir.resolve(file) + ": has no tensor '" + f.getKey() + "' though " + INDEX
                        + " puts it there");
            }
            byTensor.put(f.getKey(), h);
        }
        for (Safetensors.Header h : headers.values()) {
            for (String name : h.tensors().keySet()) {
                if (byTensor.get(name) != h) {
                    throw new IOException(h.file() + ": holds tensor '" + name + "' that " + INDEX + " "
                            + (byTensor.containsKey(name) ? "puts in " + byTensor.get(name).file().getFileName()
                            : "does not list"));
                }
            }
        }
        return new Stored(dir, Collections.unmodifiableMap(byTensor));
    }

    /**
     * Checks without loading that {@code stored} holds exactly the tensors {@code map} needs, with their shapes
     * (buffers skipped, a tied head's copy allowed); anything else is an {@link IllegalArgumentException} naming
     * the file and tensor.
     */
    public static void checkCompatible(Stored stored, WeightMap map) {
        Map<String, String> seen = new LinkedHashMap<>();
        for (String name : stored.byTensor().keySet()) {
            Path file = stored.byTensor().get(name).file();
            try {
                WeightMap.Part p = map.part(name);
                if (p != null) {
                    map.checkShape(p, name, stored.entry(name).shape());
                    if (seen.put(p.hf(), name) != null) {
                        throw new IllegalArgumentException("tensor " + name + ": stored twice (as " + seen.get(p.hf())
                                + " too)");
                    }
                } else if (map.isTiedHeadCopy(name)) {
                    map.checkShape(map.part(map.embeddingName()), name, stored.entry(name).shape());
                } else if (!map.isBuffer(name)) {
                    throw new IllegalArgumentException(map.unexpected(name));
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            }
        }
        for (WeightMap.Part p : map.parts()) {
            if (!seen.containsKey(p.hf())) {
                throw new IllegalArgumentException(stored.dir() + ": " + map.missing(p));
            }
        }
    }

    /**
     * Fills {@code params}, laid out by {@code layout} (the decoder's layout of the model being built), with the
     * weights of {@code dir} stored as {@code map} describes. {@code layout} may have more vocabulary rows than
     * {@code map.config()} (special tokens added): the stored rows fill the first rows of the embedding and of an
     * untied head, the rest are left as they are.
     */
    public static void load(Path dir, WeightMap map, ParameterLayout layout, INDArray params) throws IOException {
        Stored stored = open(dir);
        checkCompatible(stored, map);
        for (TensorSpec t : map.layout().tensors()) {
            TensorSpec target = layout.get(t.name());
            long[] have = t.shape();
            long[] need = target.shape();
            boolean vocabRows = t.name().equals("tok_embeddings.weight") || t.name().equals("lm_head.weight");
            if (!Arrays.equals(have, need) && !(vocabRows && have[1] == need[1] && have[0] <= need[0])) {
                throw new IllegalArgumentException(dir + ": tensor " + t.name() + " is " + Arrays.toString(have)
                        + " in the checkpoint, the model needs " + Arrays.toString(need));
            }
        }
        INDArray flat = params.reshape(params.length());
        for (WeightMap.Part p : map.parts()) {
            String name = storedName(stored, map, p);
            Safetensors.Header h = stored.byTensor().get(name);
            long base = layout.get(p.internal()).offset();
            if (p.transposed()) {
                long[] s = p.hfShape();
                INDArray tmp = Nd4j.create(params.dataType(), s[0] * s[1]);
                Safetensors.readInto(h, name, s, tmp, 0);
                Views.of(flat, base, s[1], s[0]).assign(tmp.reshape(s[0], s[1]).transpose());
                tmp.close();
            } else {
                Safetensors.readInto(h, name, p.hfShape(), flat, base + p.elementOffset());
            }
        }
        String head = stored.byTensor().keySet().stream().filter(map::isTiedHeadCopy).findFirst().orElse(null);
        if (head != null) {
            long[] s = map.part(map.embeddingName()).hfShape();
            INDArray copy = Nd4j.create(params.dataType(), s[0] * s[1]);
            Safetensors.readInto(stored.byTensor().get(head), head, s, copy, 0);
            INDArray embedding = Views.of(flat, layout.get("tok_embeddings.weight").offset(), s[0] * s[1]);
            double diff = copy.sub(embedding).amaxNumber().doubleValue();
            copy.close();
            if (!(diff <= 1e-6)) {
                throw new IOException(stored.byTensor().get(head).file() + ": tensor " + head + " differs from "
                        + map.embeddingName() + " by up to " + diff + " but the head is tied to the embedding "
                        + "(tie_word_embeddings true in config.json); an untied head needs tie_word_embeddings false");
            }
        }
    }

    /** The table of the checkpoint in {@code dir}: its {@code config.json}'s family and model. */
    public static WeightMap mapOf(Path dir) throws IOException {
        HfConfig.Parsed parsed = HfConfig.parse(dir);
        return WeightMap.of(parsed.family(), parsed.config());
    }

    /**
     * Writes a whole Hugging Face model directory's weights and {@code config.json} ({@code torch_dtype} the
     * stored type): {@code params} laid out by {@link ParameterLayout#decoder} of {@code map.config()}.
     */
    public static void saveModel(Path dir, WeightMap map, INDArray params, int eosTokenId, Safetensors.Dtype dtype,
                                 long shardBytes) throws IOException {
        save(dir, map, params, dtype, shardBytes);
        HfConfig.write(dir, map.config(), map.family(), eosTokenId, dtype.torchName());
    }

    private static String storedName(Stored stored, WeightMap map, WeightMap.Part p) {
        if (stored.byTensor().containsKey(p.hf())) {
            return p.hf();
        }
        return stored.byTensor().keySet().stream().filter(n -> map.part(n) == p).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(stored.dir() + ": " + map.missing(p)));
    }

    /**
     * Writes {@code params} (laid out by {@code map.layout()}) into {@code dir} as the family's checkpoint:
     * {@code model.safetensors} when it fits {@code shardBytes}, else {@code model-0000k-of-0000n.safetensors}
     * and the index. Weight files of an earlier save in {@code dir} that this one does not use are removed.
     */
    public static void save(Path dir, WeightMap map, INDArray params, Safetensors.Dtype dtype, long shardBytes)
            throws IOException {
        if (shardBytes < 1) {
            throw new IllegalArgumentException("shard_bytes: must be positive, got " + shardBytes);
        }
        if (params.length() != map.layout().size()) {
            throw new IllegalArgumentException("params: " + params.length() + " elements, the layout has "
                    + map.layout().size());
        }
        List<List<Safetensors.Source>> shards = new ArrayList<>();
        List<Safetensors.Source> current = new ArrayList<>();
        long currentBytes = 0;
        long total = 0;
        for (WeightMap.Part p : map.parts()) {
            Safetensors.Source s = new Safetensors.Source(p.hf(), p.hfShape(), params,
                    map.layout().get(p.internal()).offset() + p.elementOffset(), p.transposed());
            long bytes = s.bytes(dtype);
            if (!current.isEmpty() && currentBytes + bytes > shardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(s);
            currentBytes += bytes;
            total += bytes;
        }
        shards.add(current);
        Files.createDirectories(dir);
        List<String> written = new ArrayList<>();
        if (shards.size() == 1) {
            Safetensors.write(dir.resolve(MODEL), shards.get(0), Map.of("format", "pt"), dtype);
            written.add(MODEL);
        } else {
            ObjectNode index = JSON.createObjectNode();
            index.putObject("metadata").put("total_size", total);
            Map<String, String> weightMap = new TreeMap<>();
            for (int k = 0; k < shards.size(); k++) {
                String file = String.format("model-%05d-of-%05d.safetensors", k + 1, shards.size());
                Safetensors.write(dir.resolve(file), shards.get(k), Map.of("format", "pt"), dtype);
                shards.get(k).forEach(s -> weightMap.put(s.name(), file));
                written.add(file);
            }
            ObjectNode wm = index.putObject("weight_map");
            weightMap.forEach(wm::put);
            AtomicFiles.writeString(dir.resolve(INDEX), JSON.writeValueAsString(index));
            written.add(INDEX);
        }
        removeStale(dir, written);
    }

    private static void removeStale(Path dir, List<String> keep) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                boolean weights = name.equals(MODEL) || name.equals(INDEX) || SHARD.matcher(name).matches();
                if (weights && !keep.contains(name)) {
                    Files.delete(f);
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
