package ai.stratum.train.checkpoint;

import ai.stratum.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The small JSON file in which a run records what it was started on (pretrain's and finetune's
 * {@code inputs.json}, distill's {@code distill.json}), so that {@code --resume} needs only the run directory:
 * paths are stored absolute, written atomically, and read back with errors that name the file and say what to
 * pass instead.
 */
public final class RunInputs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunInputs() {
    }

    /**
     * The JSON object in {@code runDir/file}, which must hold the strings {@code required}.
     *
     * @param unknown what the run cannot know without the file, e.g. "base and data are"
     * @param hint    what to pass instead, e.g. "pass --base and --data"
     * @throws IOException naming the file when it is missing, not JSON, or lacks a required string
     */
    public static JsonNode read(Path runDir, String file, String unknown, String hint, String... required)
            throws IOException {
        Path path = runDir.resolve(file);
        if (!Files.isRegularFile(path)) {
            throw new IOException(path + ": not found, so the run's " + unknown + " unknown; " + hint
                    + " as when the run started");
        }
        JsonNode n;
        try {
            n = JSON.readTree(path.toFile());
        } catch (IOException e) {
            throw new IOException(path + ": not valid JSON (" + e.getMessage() + "); " + hint + " to resume", e);
        }
        for (String key : required) {
            if (n == null || !n.path(key).isTextual()) {
                String keys = Arrays.stream(required).map(k -> "'" + k + "'").collect(Collectors.joining(", "));
                int last = keys.lastIndexOf(", ");
                throw new IOException(path + ": needs the strings " + (last < 0 ? keys
                        : keys.substring(0, last) + " and " + keys.substring(last + 2)) + "; " + hint + " to resume");
            }
        }
        return n;
    }

    /** The path under {@code key}, or null when it is absent or null. */
    public static Path path(JsonNode n, String key) {
        return n.path(key).isTextual() ? Path.of(n.get(key).asText()) : null;
    }

    /**
     * Writes {@code values} (in their order) to {@code runDir/file}: a Path as its absolute form, a null as JSON
     * null, anything else as its string.
     */
    public static void write(Path runDir, String file, Map<String, ?> values) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        values.forEach((key, v) -> n.put(key, v == null ? null
                : v instanceof Path p ? p.toAbsolutePath().toString() : v.toString()));
        AtomicFiles.writeString(runDir.resolve(file), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
    }
}
