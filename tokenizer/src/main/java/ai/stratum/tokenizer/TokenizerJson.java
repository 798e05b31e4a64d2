package ai.stratum.tokenizer;

import ai.stratum.io.AtomicFiles;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes Hugging Face {@code tokenizer.json} for a byte-level BPE: model type BPE with vocab and
 * merges, a ByteLevel pre-tokenizer (GPT-2's split pattern), ByteLevel post-processor and decoder, and the
 * special tokens as added tokens. Files with a normalizer, another pre-tokenizer or another model are
 * rejected with the key that differs, since encoding them as GPT-2 would silently give different ids.
 */
final class TokenizerJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TokenizerJson() {
    }

    static Tokenizer read(Path file) {
        JsonNode root;
        try {
            root = MAPPER.readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new TokenizerFileException(file, "no such tokenizer file", e);
        } catch (JsonProcessingException e) {
            throw new TokenizerFileException(file, "not valid JSON: " + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr(), e);
        } catch (IOException e) {
            throw new TokenizerFileException(file, "cannot read: " + e.getMessage(), e);
        }
        try {
            return parse(root);
        } catch (IllegalArgumentException e) {
            throw new TokenizerFileException(file, e.getMessage(), e);
        }
    }

    private static Tokenizer parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("expected a JSON object with a \"model\" key (a Hugging Face tokenizer.json)");
        }
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) {
            throw new IllegalArgumentException("missing \"model\" object");
        }
        String type = text(model.get("type"), "BPE");
        if (!type.equals("BPE")) {
            throw new IllegalArgumentException("model.type is '" + type + "'; only byte-level BPE is supported");
        }
        for (String key : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            String value = text(model.get(key), "");
            if (!value.isEmpty()) {
                throw new IllegalArgumentException("model." + key + " is '" + value + "'; byte-level BPE needs it empty or null");
            }
        }
        JsonNode normalizer = root.get("normalizer");
        if (normalizer != null && !normalizer.isNull()) {
            throw new IllegalArgumentException("normalizer '" + text(normalizer.get("type"), "?")
                    + "' is not supported; a GPT-2 byte-level tokenizer has normalizer null");
        }
        checkPreTokenizer(root.get("pre_tokenizer"));
        checkByteLevel(root.get("decoder"), "decoder", false);

        Map<Integer, String> special = new HashMap<>();
        Map<String, Integer> specialIds = new LinkedHashMap<>();
        JsonNode added = root.get("added_tokens");
        if (added != null && !added.isNull()) {
            if (!added.isArray()) {
                throw new IllegalArgumentException("added_tokens must be an array");
            }
            for (int i = 0; i < added.size(); i++) {
                JsonNode t = added.get(i);
                JsonNode id = t.get("id");
                JsonNode content = t.get("content");
                if (id == null || !id.canConvertToInt() || content == null || !content.isTextual()) {
                    throw new IllegalArgumentException("added_tokens[" + i + "] needs an integer \"id\" and a string \"content\"");
                }
                if (specialIds.put(content.asText(), id.asInt()) != null) {
                    throw new IllegalArgumentException("added_tokens[" + i + "]: '" + content.asText() + "' is listed twice");
                }
                special.put(id.asInt(), content.asText());
            }
        }

        JsonNode vocab = model.get("vocab");
        if (vocab == null || !vocab.isObject()) {
            throw new IllegalArgumentException("model.vocab must be an object of token -> id");
        }
        int maxId = -1;
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw new IllegalArgumentException("model.vocab['" + e.getKey() + "'] must be a non-negative integer id, got "
                        + e.getValue());
            }
            maxId = Math.max(maxId, e.getValue().asInt());
        }
        String[] tokens = new String[maxId + 1];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = e.getValue().asInt();
            String asSpecial = special.get(id);
            if (asSpecial != null) {
                if (!asSpecial.equals(e.getKey())) {
                    throw new IllegalArgumentException("id " + id + " is the vocab token '" + e.getKey()
                            + "' and the added token '" + asSpecial + "'");
                }
                continue;
            }
            if (tokens[id] != null) {
                throw new IllegalArgumentException("model.vocab gives id " + id + " to both '" + tokens[id] + "' and '" + e.getKey() + "'");
            }
            tokens[id] = e.getKey();
        }
        int realLength = tokens.length;
        while (realLength > 0 && tokens[realLength - 1] == null) {
            realLength--;
        }
        if (realLength < tokens.length) {
            tokens = java.util.Arrays.copyOf(tokens, realLength);
        }

        JsonNode mergesNode = model.get("merges");
        if (mergesNode == null || !mergesNode.isArray()) {
            throw new IllegalArgumentException("model.merges must be an array");
        }
        List<String[]> merges = new ArrayList<>(mergesNode.size());
        for (int i = 0; i < mergesNode.size(); i++) {
            JsonNode m = mergesNode.get(i);
            String[] pair;
            if (m.isTextual()) {
                pair = m.asText().split(" ", -1);
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                pair = new String[] {m.get(0).asText(), m.get(1).asText()};
            } else {
                pair = new String[0];
            }
            if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
                throw new IllegalArgumentException("model.merges[" + i + "] must be \"left right\" or [\"left\", \"right\"], got " + m);
            }
            merges.add(pair);
        }
        return new Tokenizer(new BytePairModel(tokens, merges), specialIds);
    }

    /**
     * Accepts GPT-2's pre-tokenizer in either form Hugging Face writes: ByteLevel with use_regex true, or a
     * Sequence of Split (GPT-2's pattern, Isolated) followed by ByteLevel with use_regex false.
     */
    private static void checkPreTokenizer(JsonNode node) {
        if (node != null && "Sequence".equals(text(node.get("type"), "?"))) {
            JsonNode steps = node.path("pretokenizers");
            JsonNode split = steps.path(0);
            JsonNode byteLevel = steps.path(1);
            String pattern = text(split.path("pattern").get("Regex"), "");
            if (steps.size() != 2 || !"Split".equals(text(split.get("type"), "?")) || !pattern.equals(Gpt2PreTokenizer.PATTERN)
                    || !"Isolated".equals(text(split.get("behavior"), "?")) || split.path("invert").asBoolean(false)
                    || !"ByteLevel".equals(text(byteLevel.get("type"), "?")) || byteLevel.path("use_regex").asBoolean(true)
                    || byteLevel.path("add_prefix_space").asBoolean(false)) {
                throw new IllegalArgumentException("pre_tokenizer is a Sequence other than [Split(GPT-2's pattern, Isolated), "
                        + "ByteLevel(use_regex false)]; only GPT-2's split pattern is supported");
            }
            return;
        }
        checkByteLevel(node, "pre_tokenizer", true);
    }

    private static void checkByteLevel(JsonNode node, String key, boolean required) {
        if (node == null || node.isNull()) {
            if (required) {
                throw new IllegalArgumentException(key + " is missing; a byte-level BPE needs {\"type\": \"ByteLevel\"}");
            }
            return;
        }
        String type = text(node.get("type"), "?");
        if (!type.equals("ByteLevel")) {
            throw new IllegalArgumentException(key + ".type is '" + type + "'; only ByteLevel (GPT-2's split pattern) is supported");
        }
        if (node.path("add_prefix_space").asBoolean(false) && required) {
            throw new IllegalArgumentException(key + ".add_prefix_space is true; only false (GPT-2's behaviour) is supported");
        }
        if (!node.path("use_regex").asBoolean(true)) {
            throw new IllegalArgumentException(key + ".use_regex is false; only GPT-2's split pattern (true) is supported");
        }
    }

    private static String text(JsonNode node, String absent) {
        return node == null || node.isNull() ? absent : node.asText();
    }

    static void write(Tokenizer tokenizer, Path file) {
        try {
            AtomicFiles.writeStream(file, out -> {
                try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
                    g.useDefaultPrettyPrinter();
                    writeTo(tokenizer, g);
                }
            });
        } catch (IOException e) {
            throw new TokenizerFileException(file, "cannot write: " + e.getMessage(), e);
        }
    }

    private static void writeTo(Tokenizer tokenizer, JsonGenerator g) throws IOException {
        BytePairModel model = tokenizer.model();
        g.writeStartObject();
        g.writeStringField("version", "1.0");
        g.writeNullField("truncation");
        g.writeNullField("padding");
        g.writeArrayFieldStart("added_tokens");
        for (Map.Entry<String, Integer> e : tokenizer.specialTokens().entrySet()) {
            g.writeStartObject();
            g.writeNumberField("id", e.getValue());
            g.writeStringField("content", e.getKey());
            g.writeBooleanField("single_word", false);
            g.writeBooleanField("lstrip", false);
            g.writeBooleanField("rstrip", false);
            g.writeBooleanField("normalized", false);
            g.writeBooleanField("special", true);
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeNullField("normalizer");
        writeByteLevel(g, "pre_tokenizer", false, true);
        writeByteLevel(g, "post_processor", true, false);
        writeByteLevel(g, "decoder", true, true);
        g.writeObjectFieldStart("model");
        g.writeStringField("type", "BPE");
        g.writeNullField("dropout");
        g.writeNullField("unk_token");
        g.writeStringField("continuing_subword_prefix", "");
        g.writeStringField("end_of_word_suffix", "");
        g.writeBooleanField("fuse_unk", false);
        g.writeBooleanField("byte_fallback", false);
        g.writeObjectFieldStart("vocab");
        for (int id = 0; id < model.tokens.length; id++) {
            if (model.tokens[id] != null) {
                g.writeNumberField(model.tokens[id], id);
            }
        }
        g.writeEndObject();
        g.writeArrayFieldStart("merges");
        for (int rank = 0; rank < model.mergeCount(); rank++) {
            g.writeString(model.tokens[model.mergeLeft[rank]] + " " + model.tokens[model.mergeRight[rank]]);
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void writeByteLevel(JsonGenerator g, String key, boolean addPrefixSpace, boolean trimOffsets) throws IOException {
        g.writeObjectFieldStart(key);
        g.writeStringField("type", "ByteLevel");
        g.writeBooleanField("add_prefix_space", addPrefixSpace);
        g.writeBooleanField("trim_offsets", trimOffsets);
        g.writeBooleanField("use_regex", true);
        g.writeEndObject();
    }
}
