package ai.stratum.train.sft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads SFT examples from JSONL: one object per line, either {@code {"prompt": ..., "response": ...}} or
 * {@code {"messages": [{"role": "user", "content": ...}, ...]}}. Blank lines are skipped. A malformed line is
 * an error that names the file and line and says what was expected.
 */
public final class SftJsonl {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SftJsonl() {
    }

    /** An SFT file line that cannot be used; the message starts with {@code file:line}. */
    public static final class FormatException extends IllegalArgumentException {
        public FormatException(Path file, long line, String what) {
            super(file + ":" + line + ": " + what);
        }
    }

    public static List<SftExample> read(Path file) throws IOException {
        List<SftExample> out = new ArrayList<>();
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder))) {
            long lineNo = 0;
            String line;
            while (true) {
                try {
                    line = reader.readLine();
                } catch (CharacterCodingException e) {
                    throw new FormatException(file, lineNo + 1, "not valid UTF-8");
                }
                if (line == null) {
                    break;
                }
                lineNo++;
                if (!line.isBlank()) {
                    out.add(parse(file, lineNo, line));
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no examples; expected JSONL lines like "
                    + "{\"prompt\": \"...\", \"response\": \"...\"}");
        }
        return out;
    }

    static SftExample parse(Path file, long lineNo, String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new FormatException(file, lineNo, "not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new FormatException(file, lineNo, "expected a JSON object per line");
        }
        try {
            if (node.has("messages")) {
                JsonNode messages = node.get("messages");
                if (!messages.isArray()) {
                    throw new IllegalArgumentException("'messages' must be a list of {\"role\", \"content\"} objects");
                }
                List<Message> list = new ArrayList<>();
                for (JsonNode m : messages) {
                    JsonNode role = m.get("role");
                    JsonNode content = m.get("content");
                    if (role == null || !role.isTextual() || content == null || !content.isTextual()) {
                        throw new IllegalArgumentException("each message needs string fields 'role' and 'content'");
                    }
                    list.add(new Message(Message.Role.parse(role.asText()), content.asText()));
                }
                return new SftExample(list);
            }
            JsonNode prompt = node.get("prompt");
            JsonNode response = node.get("response");
            if (prompt == null || response == null || !prompt.isTextual() || !response.isTextual()) {
                throw new IllegalArgumentException("expected string fields 'prompt' and 'response', or a "
                        + "'messages' list");
            }
            return SftExample.of(prompt.asText(), response.asText());
        } catch (IllegalArgumentException e) {
            throw new FormatException(file, lineNo, e.getMessage());
        }
    }
}
