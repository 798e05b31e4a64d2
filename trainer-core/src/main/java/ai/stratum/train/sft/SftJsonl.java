package ai.stratum.train.sft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads SFT examples from JSONL: one object per line, either {@code {"prompt": ..., "response": ...}} or
 * {@code {"messages": [{"role": "user", "content": ...}, ...]}}, or a data-pipeline kept document whose
 * {@code metadata.messages} holds that list as JSON text (generated data that went through {@code stratum data
 * prepare}). Other top-level keys (an id, a source, the generator's record) are ignored, except those a chat
 * template reads ({@code tools}, {@code documents}): they would change the rendered text, and are refused by
 * name, as is any message key besides {@code role} and {@code content} ({@code tool_calls},
 * {@code reasoning_content}, a per-message weight...). Blank lines are skipped. A malformed line is an error that
 * names the file and line and says what was expected.
 */
public final class SftJsonl {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Top-level keys that Hugging Face chat templates read besides the messages. */
    private static final List<String> TEMPLATE_INPUTS = List.of("tools", "documents");

    private SftJsonl() {
    }

    /** An SFT file line that cannot be used; the message starts with {@code file:line}. */
    public static final class FormatException extends IllegalArgumentException {
        public FormatException(Path file, long line, String what) {
            super(file + ":" + line + ": " + what);
        }
    }

    /**
     * Reads every example. Lines are split on {@code \n} (a trailing {@code \r} is dropped) and each is decoded as
     * strict UTF-8 on its own, so a bad byte is reported with its own line number and byte offset.
     */
    public static List<SftExample> read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory; pass an SFT JSONL file (one example per line)");
        }
        List<SftExample> out = new ArrayList<>();
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            long lineNo = 0;
            long lineStart = 0;
            long offset = 0;
            while (true) {
                int b = in.read();
                if (b != '\n' && b != -1) {
                    line.write(b);
                    offset++;
                    continue;
                }
                if (b == -1 && line.size() == 0) {
                    break;
                }
                lineNo++;
                String text = decode(decoder, line.toByteArray(), file, lineNo, lineStart);
                if (!text.isBlank()) {
                    out.add(parse(file, lineNo, text));
                }
                line.reset();
                if (b == -1) {
                    break;
                }
                offset++;
                lineStart = offset;
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no examples; expected JSONL lines like "
                    + "{\"prompt\": \"...\", \"response\": \"...\"}");
        }
        return out;
    }

    private static String decode(CharsetDecoder decoder, byte[] bytes, Path file, long lineNo, long lineStart) {
        int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, n);
        CharBuffer chars = CharBuffer.allocate(n);
        decoder.reset();
        CoderResult r = decoder.decode(in, chars, true);
        if (!r.isError()) {
            r = decoder.flush(chars);
        }
        if (r.isError()) {
            throw new FormatException(file, lineNo, "not valid UTF-8 at byte " + (lineStart + in.position())
                    + " of the file (byte " + (in.position() + 1) + " of the line); save the file as UTF-8 or "
                    + "remove the line");
        }
        return chars.flip().toString();
    }

    private static JsonNode readKept(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("metadata.messages is not a JSON list: " + e.getOriginalMessage());
        }
    }

    /**
     * A {@code messages} list: {@code {"role", "content"}} objects with string values and a known role. Any other
     * message key ({@code tool_calls}, {@code reasoning_content}, {@code name}, a weight...) is refused by name: a
     * chat template would render it or a trainer would weigh by it, and dropping it would change the example.
     */
    public static List<Message> messages(JsonNode messages) {
        if (!messages.isArray()) {
            throw new IllegalArgumentException("'messages' must be a list of {\"role\", \"content\"} objects");
        }
        List<Message> list = new ArrayList<>();
        for (JsonNode m : messages) {
            if (m.isObject()) {
                for (java.util.Iterator<String> keys = m.fieldNames(); keys.hasNext(); ) {
                    String key = keys.next();
                    if (!key.equals("role") && !key.equals("content")) {
                        throw new IllegalArgumentException("message " + (list.size() + 1) + ": key '" + key
                                + "' is not supported (a message is {\"role\", \"content\"}; the chat template "
                                + "would read it); remove it");
                    }
                }
            }
            JsonNode role = m.get("role");
            JsonNode content = m.get("content");
            if (role == null || !role.isTextual() || content == null || !content.isTextual()) {
                throw new IllegalArgumentException("each message needs string fields 'role' and 'content'");
            }
            list.add(new Message(Message.Role.parse(role.asText()), content.asText()));
        }
        return list;
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
            for (String key : TEMPLATE_INPUTS) {
                if (node.hasNonNull(key)) {
                    throw new IllegalArgumentException("key '" + key + "' is not supported: the chat template "
                            + "would render it, and examples are rendered from their messages alone; remove it");
                }
            }
            JsonNode kept = node.path("metadata").path("messages");
            if (node.has("messages") || kept.isTextual()) {
                JsonNode messages = node.has("messages") ? node.get("messages") : readKept(kept.textValue());
                return new SftExample(messages(messages));
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
