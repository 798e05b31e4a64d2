package ai.stratum.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run's recorded inputs: absolute paths and nulls round-trip; a missing, broken or incomplete file is named. */
class RunInputsTest {

    @TempDir
    Path tmp;

    @Test
    void pathsAreStoredAbsoluteAndReadBack() throws IOException {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("data", Path.of("relative/shards"));
        values.put("fingerprint", "abc123");
        values.put("val", null);
        RunInputs.write(tmp, "inputs.json", values);
        JsonNode n = RunInputs.read(tmp, "inputs.json", "data is", "pass --data", "data", "fingerprint");
        assertEquals(Path.of("relative/shards").toAbsolutePath(), RunInputs.path(n, "data"));
        assertTrue(RunInputs.path(n, "data").isAbsolute());
        assertEquals("abc123", n.get("fingerprint").asText());
        assertNull(RunInputs.path(n, "val"));
        assertNull(RunInputs.path(n, "absent"));
    }

    @Test
    void missingBrokenAndIncompleteFilesAreNamedWithWhatToPass() throws IOException {
        Path file = tmp.resolve("inputs.json");
        IOException missing = assertThrows(IOException.class,
                () -> RunInputs.read(tmp, "inputs.json", "data is", "pass --data", "data"));
        assertEquals(file + ": not found, so the run's data is unknown; pass --data as when the run started",
                missing.getMessage());
        Files.writeString(file, "{not json");
        IOException broken = assertThrows(IOException.class,
                () -> RunInputs.read(tmp, "inputs.json", "data is", "pass --data", "data"));
        assertTrue(broken.getMessage().startsWith(file + ": not valid JSON (")
                && broken.getMessage().endsWith("); pass --data to resume"), broken.getMessage());
        Files.writeString(file, "{\"a\": \"x\", \"b\": 3}");
        IOException incomplete = assertThrows(IOException.class,
                () -> RunInputs.read(tmp, "inputs.json", "inputs are", "pass them", "a", "b", "c"));
        assertEquals(file + ": needs the strings 'a', 'b' and 'c'; pass them to resume", incomplete.getMessage());
    }
}
