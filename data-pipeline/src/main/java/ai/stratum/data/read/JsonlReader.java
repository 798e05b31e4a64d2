package ai.stratum.data.read;

import ai.stratum.data.Document;
import ai.stratum.data.Reject;
import ai.stratum.data.StepStats;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;

import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.TreeMap;

/**
 * JSON Lines ({@code .jsonl}, {@code .jsonl.gz}, {@code .jsonl.zst}): one object per line, the text in a
 * configurable field; {@code id} and {@code url} are kept (a missing id becomes {@code file:line}).
 * The field may also hold a chat {@code messages} list ({@code [{"role": ..., "content": ...}, ...]}, what
 * {@code stratum generate --prompts} writes): the text the steps see is the contents joined by blank lines, and the
 * list itself is kept as the metadata {@code messages} (JSON text), so the kept documents are still SFT data
 * ({@code stratum finetune} reads them).
 * Rejects: {@code bad_json}, {@code invalid_utf8}, {@code missing_text_field}, {@code empty_text},
 * {@code truncated_input} (the rest of a damaged compressed file).
 */
public final class JsonlReader implements DocumentReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String textField;
    private final String idField;

    public JsonlReader(String textField, String idField) {
        if (textField == null || textField.isBlank()) {
            throw new IllegalArgumentException("text_field: must name the JSON field holding the text, e.g. text");
        }
        this.textField = textField;
        this.idField = idField == null || idField.isBlank() ? "id" : idField;
    }

    @Override
    public String name() {
        return "read_jsonl";
    }

    @Override
    public void read(Path file, String source, DocumentSink sink, StepStats stats) throws IOException {
        String label = file.getFileName().toString();
        try (InputStream in = Compression.open(file)) {
            ByteLines lines = new ByteLines(in);
            while (true) {
                boolean more;
                try {
                    more = lines.next();
                } catch (IOException e) {
                    String where = label + ":" + (lines.lineNumber() + 1);
                    stats.in(0);
                    stats.dropped("truncated_input");
                    sink.reject(new Reject(where, source, name(), "truncated_input",
                            where + ": input ends early or is corrupt (" + e.getMessage() + "); lines before it were read",
                            ""));
                    return;
                }
                if (!more) {
                    break;
                }
                if (isBlank(lines.bytes(), lines.length())) {
                    stats.count("blank_lines", 1);
                    continue;
                }
                readLine(lines, label, source, sink, stats);
            }
            if (lines.lineNumber() == 0) {
                stats.count("empty_files", 1);
            }
        }
    }

    private void readLine(ByteLines lines, String label, String source, DocumentSink sink, StepStats stats) {
        String where = label + ":" + lines.lineNumber();
        stats.in(lines.length());
        JsonNode node;
        try {
            node = JSON.readTree(lines.bytes(), 0, lines.length());
        } catch (IOException e) {
            boolean utf8 = e instanceof CharConversionException
                    || (e instanceof JsonParseException && e.getMessage() != null
                    && e.getMessage().contains("Invalid UTF-8"));
            String reason = utf8 ? "invalid_utf8" : "bad_json";
            String message = e instanceof JsonParseException jp ? jp.getOriginalMessage() : e.getMessage();
            stats.dropped(reason);
            sink.reject(new Reject(where, source, name(), reason, where + ": " + message, ""));
            return;
        }
        if (node == null || !node.isObject()) {
            stats.dropped("bad_json");
            sink.reject(new Reject(where, source, name(), "bad_json", where + ": expected a JSON object per line", ""));
            return;
        }
        JsonNode idNode = node.get(idField);
        String id = idNode != null && idNode.isValueNode() && !idNode.isNull() ? idNode.asText() : where;
        JsonNode text = node.get(textField);
        TreeMap<String, String> meta = new TreeMap<>();
        if (text != null && text.isArray()) {
            String joined = conversationText(text);
            if (joined == null) {
                stats.dropped("missing_text_field");
                sink.reject(new Reject(id, source, name(), "missing_text_field", where + ": '" + textField
                        + "' is a list but not of {\"role\", \"content\"} messages with string fields", ""));
                return;
            }
            meta.put("messages", text.toString());
            text = TextNode.valueOf(joined);
        }
        if (text == null || !text.isTextual()) {
            stats.dropped("missing_text_field");
            sink.reject(new Reject(id, source, name(), "missing_text_field",
                    where + ": no string field '" + textField + "' (set the input's text_field to the right name)",
                    ""));
            return;
        }
        if (text.textValue().isEmpty()) {
            stats.dropped("empty_text");
            sink.reject(new Reject(id, source, name(), "empty_text", where, ""));
            return;
        }
        JsonNode url = node.get("url");
        if (url != null && url.isTextual()) {
            meta.put("url", url.textValue());
        }
        Document doc = new Document(id, text.textValue(), source, meta);
        stats.kept(doc.utf8Length());
        sink.accept(doc);
    }

    /** The contents of a messages list joined by blank lines; null when it is not such a list. */
    private static String conversationText(JsonNode messages) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode m : messages) {
            JsonNode role = m.get("role");
            JsonNode content = m.get("content");
            if (role == null || !role.isTextual() || content == null || !content.isTextual()) {
                return null;
            }
            if (sb.length() > 0) {
                sb.append("\n\n");
            }
            sb.append(content.textValue());
        }
        return sb.toString();
    }

    private static boolean isBlank(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
                return false;
            }
        }
        return true;
    }
}
