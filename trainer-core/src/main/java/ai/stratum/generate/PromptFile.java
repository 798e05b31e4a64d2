package ai.stratum.generate;

import ai.stratum.train.sft.Message;
import ai.stratum.train.sft.SftJsonl;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A prompt file for synthetic data: JSONL, one request per line, either {@code {"id": ..., "prompt": "..."}} or
 * {@code {"id": ..., "messages": [{"role": ..., "content": ...}, ...]}}, with optional per-request
 * {@code max_new_tokens}, {@code temperature}, {@code top_k}, {@code top_p} and {@code seed}. The id is a string or
 * an integer, unique in the file. Blank lines are skipped; any other key is refused by name, as are duplicate ids
 * (naming both lines) and malformed lines ({@link SftJsonl.FormatException}: {@code file:line: what}).
 */
public final class PromptFile {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KEYS = Set.of("id", "prompt", "messages", "max_new_tokens", "temperature",
            "top_k", "top_p", "seed");

    private PromptFile() {
    }

    /**
     * One request.
     *
     * @param id       the id as written (a JSON string or integer), echoed into the output
     * @param prompt   the text to continue, or null when {@code messages} is given
     * @param messages the conversation so far (its last turn a user's or system's), or null
     * @param line     the line it came from
     * @param maxNewTokens, temperature, topK, topP, seed  null: the command's default
     */
    public record Entry(JsonNode id, String prompt, List<Message> messages, Integer maxNewTokens, Double temperature,
                        Integer topK, Double topP, Long seed, long line) {

        /** The id as it is compared and written: its JSON text ({@code "a"} and {@code 1} differ from {@code "1"}). */
        public String key() {
            return id.toString();
        }

        /** The conversation this request's answer continues: the messages, or the prompt as a user turn. */
        public List<Message> conversation() {
            return messages != null ? messages : List.of(new Message(Message.Role.USER, prompt));
        }
    }

    public static List<Entry> read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory; pass a prompts JSONL file (one request per line)");
        }
        List<Entry> out = new ArrayList<>();
        Map<String, Long> seen = new HashMap<>();
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        long lineNo = 0;
        try (BufferedReader in = new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file),
                decoder))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                Entry e = parse(file, lineNo, line);
                Long before = seen.putIfAbsent(e.key(), lineNo);
                if (before != null) {
                    throw new SftJsonl.FormatException(file, lineNo, "id " + e.key() + " repeats line " + before
                            + "; every request needs its own id");
                }
                out.add(e);
            }
        } catch (MalformedInputException e) {
            throw new SftJsonl.FormatException(file, lineNo + 1, "not valid UTF-8; save the file as UTF-8");
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no requests; expected JSONL lines like "
                    + "{\"id\": 1, \"prompt\": \"...\"} or {\"id\": 1, \"messages\": [...]}");
        }
        return out;
    }

    static Entry parse(Path file, long lineNo, String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new SftJsonl.FormatException(file, lineNo, "not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new SftJsonl.FormatException(file, lineNo, "expected a JSON object per line");
        }
        try {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!KEYS.contains(key)) {
                    throw new IllegalArgumentException("unknown key '" + key + "'; a request has " + KEYS.stream()
                            .sorted().toList());
                }
            }
            JsonNode id = node.get("id");
            if (id == null || !(id.isTextual() || id.isIntegralNumber())) {
                throw new IllegalArgumentException("'id' must be a string or an integer, unique in the file");
            }
            JsonNode prompt = node.get("prompt");
            JsonNode messages = node.get("messages");
            if ((prompt == null) == (messages == null)) {
                throw new IllegalArgumentException("expected a string 'prompt' or a 'messages' list, not "
                        + (prompt == null ? "neither" : "both"));
            }
            List<Message> list = null;
            if (messages != null) {
                if (!messages.isArray() || messages.isEmpty()) {
                    throw new IllegalArgumentException("'messages' must be a non-empty list of {\"role\", "
                            + "\"content\"} objects");
                }
                list = SftJsonl.messages(messages);
                if (list.get(list.size() - 1).role() == Message.Role.ASSISTANT) {
                    throw new IllegalArgumentException("the last message is the assistant's; a request ends with "
                            + "the turn to answer (user or system)");
                }
            } else if (!prompt.isTextual()) {
                throw new IllegalArgumentException("'prompt' must be a string");
            }
            return new Entry(id, prompt == null ? null : prompt.asText(), list == null ? null : List.copyOf(list),
                    integer(node, "max_new_tokens", 0), number(node, "temperature"), integer(node, "top_k", 0),
                    number(node, "top_p"), node.has("seed") ? longValue(node, "seed") : null, lineNo);
        } catch (IllegalArgumentException e) {
            throw new SftJsonl.FormatException(file, lineNo, e.getMessage());
        }
    }

    private static Integer integer(JsonNode node, String key, int min) {
        JsonNode v = node.get(key);
        if (v == null) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min) {
            throw new IllegalArgumentException("'" + key + "' must be an integer >= " + min + ", got " + v);
        }
        return v.intValue();
    }

    private static Double number(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null) {
            return null;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException("'" + key + "' must be a number, got " + v);
        }
        return v.doubleValue();
    }

    private static long longValue(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException("'" + key + "' must be an integer, got " + v);
        }
        return v.longValue();
    }
}
