package ai.stratum.data.read;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The lines of a small JSONL input read whole by a command (labelled classifier data, documents to sample), plain or
 * compressed as {@link Compression} reads: blank lines are skipped and a line that is not JSON is an
 * {@link IllegalArgumentException} naming {@code file:line}; what each line must hold is the caller's check.
 */
public final class JsonlLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Receives each non-blank line, parsed, with its 1-based number. */
    public interface Handler {
        void line(int lineNo, JsonNode node);
    }

    private JsonlLines() {
    }

    public static void forEach(Path file, Handler handler) throws IOException {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Compression.open(file),
                StandardCharsets.UTF_8))) {
            int lineNo = 0;
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(file + ":" + lineNo + ": not valid JSON ("
                            + e.getOriginalMessage() + ")");
                }
                handler.line(lineNo, node);
            }
        }
    }
}
