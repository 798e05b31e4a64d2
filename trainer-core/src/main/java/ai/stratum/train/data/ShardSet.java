package ai.stratum.train.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The train and validation shards of a data directory. With a {@code manifest.json} (written by the data
 * pipeline) the shards are the manifest's {@code shards} entries, each with a {@code file}
 * relative to the directory and a {@code split} of {@code train} or {@code val} (a {@code tokens} count, when
 * present, must match the shard's header); the manifest's {@code vocab_size} and {@code eot_id} are kept when
 * present. Without one, the directory's {@code *.bin} files whose names contain {@code train} or {@code val}
 * are used, in name order, as llm.c names them ({@code fineweb_train_000001.bin}, {@code fineweb_val_000000.bin}).
 *
 * @param vocabSize the tokenizer's vocabulary size from the manifest, or 0 when unknown
 * @param eotId     the end-of-text id from the manifest, or -1 when unknown
 */
public record ShardSet(Path dir, List<Path> train, List<Path> val, int vocabSize, int eotId) {

    public static final String MANIFEST = "manifest.json";

    public ShardSet {
        train = List.copyOf(train);
        val = List.copyOf(val);
    }

    public static ShardSet open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": the data directory does not exist or is not a directory");
        }
        Path manifest = dir.resolve(MANIFEST);
        return Files.isRegularFile(manifest) ? fromManifest(dir, manifest) : fromNames(dir);
    }

    /** Shuffled windows of the train shards; see {@link ShardSampler}. */
    /** The val shards' windows in file order. */
    /** The train shards' file names (not paths: the directory may move between a run and its resume). */
    private static ShardSet fromManifest(Path dir, Path manifest) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(manifest.toFile());
        } catch (IOException e) {
            throw new IOException(manifest + ": not valid JSON: " + e.getMessage(), e);
        }
        JsonNode shards = root.path("shards");
        if (!shards.isArray()) {
            throw new IOException(manifest + ": expected a 'shards' array of {\"file\", \"split\"} entries");
        }
        List<Path> train = new ArrayList<>();
        List<Path> val = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
            JsonNode entry = shards.get(i);
            String where = manifest + ": shards[" + i + "]";
            JsonNode name = entry.path("file");
            if (!name.isTextual()) {
                throw new IOException(where + ": missing the string 'file' naming the shard");
            }
            Path file = inside(dir, name.asText(), where);
            String split = entry.path("split").asText("");
            switch (split) {
                case "train" -> train.add(file);
                case "val" -> val.add(file);
                default -> throw new IOException(where + ": 'split' must be \"train\" or \"val\", got '" + split + "'");
            }
            if (entry.has("tokens")) {
                try (TokenShard shard = TokenShard.open(file)) {
                    if (shard.tokenCount() != entry.get("tokens").asLong()) {
                        throw new IOException(where + ": the manifest says " + entry.get("tokens").asLong()
                                + " tokens but " + file + "'s header says " + shard.tokenCount());
                    }
                }
            }
        }
        return checked(new ShardSet(dir, train, val, root.path("vocab_size").asInt(0), root.path("eot_id").asInt(-1)));
    }

    /**
     * A manifest entry as a path inside the data directory, checked before anything is opened: an absolute path or
     * one that climbs out with {@code ..} is refused, so a manifest cannot make the trainer read other files.
     */
    static Path inside(Path dir, String name, String where) throws IOException {
        Path rel;
        try {
            rel = Path.of(name);
        } catch (java.nio.file.InvalidPathException e) {
            throw new IOException(where + ": 'file' is not a valid path: " + e.getMessage(), e);
        }
        Path base = dir.toAbsolutePath().normalize();
        Path file = base.resolve(rel).normalize();
        if (name.isEmpty() || rel.isAbsolute() || !file.startsWith(base) || file.equals(base)) {
            throw new IOException(where + ": 'file' must name a shard inside " + dir + " (a relative path without "
                    + "'..'), got '" + name + "'");
        }
        return dir.resolve(rel).normalize();
    }

    private static ShardSet fromNames(Path dir) throws IOException {
        List<Path> bins;
        try (Stream<Path> files = Files.list(dir)) {
            bins = files.filter(p -> p.getFileName().toString().endsWith(".bin")).sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        List<Path> train = bins.stream().filter(p -> p.getFileName().toString().contains("train")).toList();
        List<Path> val = bins.stream().filter(p -> p.getFileName().toString().contains("val")).toList();
        if (train.isEmpty()) {
            throw new IOException(dir + ": no " + MANIFEST + " and no *train*.bin shards; point --data at a "
                    + "directory written by the data pipeline or holding llm.c shards");
        }
        return checked(new ShardSet(dir, train, val, 0, -1));
    }

    private static ShardSet checked(ShardSet set) throws IOException {
        if (set.train.isEmpty()) {
            throw new IOException(set.dir.resolve(MANIFEST) + ": lists no shard with split \"train\"");
        }
        return set;
    }
}
