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

    private static final java.util.Set<String> ROOT_KEYS = java.util.Set.of("version", "truncation", "padding",
            "added_tokens", "normalizer", "pre_tokenizer", "post_processor", "decoder", "model");
    private static final java.util.Set<String> MODEL_KEYS = java.util.Set.of("type", "dropout", "unk_token",
            "continuing_subword_prefix", "end_of_word_suffix", "fuse_unk", "byte_fallback", "ignore_merges", "vocab", "merges");
    private static final java.util.Set<String> ADDED_KEYS = java.util.Set.of("id", "content", "single_word", "lstrip",
            "rstrip", "normalized", "special");

    /**
     * Ids above this (for a file of {@code count} tokens) are refused: a tokenizer's arrays are indexed by id, and
     * one stray huge id would otherwise allocate gigabytes.
     */
    static int maxDenseId(int count) {
        return 2 * count + 1024;
    }

    private static Tokenizer parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("expected a JSON object with a \"model\" key (a Hugging Face tokenizer.json)");
        }
        JsonKeys.onlyKnown(root, "the tokenizer", ROOT_KEYS);
        JsonNode truncation = root.get("truncation");
        if (truncation != null && !truncation.isNull()) {
            throw new IllegalArgumentException("truncation is set (" + truncation + "); stratum encodes whole texts, "
                    + "so set \"truncation\": null in the file");
        }
        JsonNode padding = root.get("padding");
        if (padding != null && !padding.isNull()) {
            throw new IllegalArgumentException("padding is set (" + padding + "); set \"padding\": null in the file");
        }
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) {
            throw new IllegalArgumentException("missing \"model\" object");
        }
        String type = text(model.get("type"), "BPE");
        if (!type.equals("BPE")) {
            throw new IllegalArgumentException("model.type is '" + type + "'; stratum reads BPE models only");
        }
        JsonKeys.onlyKnown(model, "model", MODEL_KEYS);
        JsonNode dropout = model.get("dropout");
        if (dropout != null && !dropout.isNull() && dropout.asDouble() != 0.0) {
            throw new IllegalArgumentException("model.dropout is " + dropout + "; BPE dropout makes encoding random, set it to null");
        }
        BytePairModel.Options options = new BytePairModel.Options(JsonKeys.string(model, "unk_token", "model", null),
                JsonKeys.bool(model, "fuse_unk", "model", false), JsonKeys.bool(model, "byte_fallback", "model", false),
                JsonKeys.bool(model, "ignore_merges", "model", false),
                JsonKeys.string(model, "continuing_subword_prefix", "model", null),
                JsonKeys.string(model, "end_of_word_suffix", "model", null));

        List<AddedToken> addedTokens = new ArrayList<>();
        Map<Integer, String> addedById = new HashMap<>();
        JsonNode added = root.get("added_tokens");
        int vocabCount = model.path("vocab").size();
        int addedCount = added == null ? 0 : added.size();
        int maxId = maxDenseId(vocabCount + addedCount);
        if (added != null && !added.isNull()) {
            if (!added.isArray()) {
                throw new IllegalArgumentException("added_tokens must be an array");
            }
            for (int i = 0; i < added.size(); i++) {
                JsonNode t = added.get(i);
                String where = "added_tokens[" + i + "]";
                if (!t.isObject()) {
                    throw new IllegalArgumentException(where + " must be an object");
                }
                JsonKeys.onlyKnown(t, where, ADDED_KEYS);
                JsonNode id = t.get("id");
                JsonNode content = t.get("content");
                if (content == null || !content.isTextual() || content.asText().isEmpty()) {
                    throw new IllegalArgumentException(where + " needs a non-empty string \"content\"");
                }
                checkId(id, "added token '" + content.asText() + "'", maxId, vocabCount + addedCount);
                if (addedById.put(id.asInt(), content.asText()) != null) {
                    throw new IllegalArgumentException(where + ": id " + id.asInt() + " is given to two added tokens");
                }
                boolean special = JsonKeys.bool(t, "special", where, false);
                addedTokens.add(new AddedToken(id.asInt(), content.asText(), special,
                        JsonKeys.bool(t, "single_word", where, false), JsonKeys.bool(t, "lstrip", where, false),
                        JsonKeys.bool(t, "rstrip", where, false), JsonKeys.bool(t, "normalized", where, !special)));
            }
        }
        java.util.Set<String> addedContents = new java.util.HashSet<>(addedById.values());
        if (addedContents.size() != addedById.size()) {
            throw new IllegalArgumentException("added_tokens lists the same content twice");
        }

        Tokenizer.Pipeline pipeline = pipeline(root, options, addedTokens);
        boolean byteLevelOnly = pipeline == Tokenizer.Pipeline.GPT2;
        JsonNode vocab = model.get("vocab");
        if (vocab == null || !vocab.isObject()) {
            throw new IllegalArgumentException("model.vocab must be an object of token -> id");
        }
        int top = -1;
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            checkId(e.getValue(), "model.vocab token '" + e.getKey() + "'", maxId, vocabCount + addedCount);
            top = Math.max(top, e.getValue().asInt());
        }
        String[] tokens = new String[top + 1];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = e.getValue().asInt();
            String asAdded = addedById.get(id);
            if (asAdded != null && !asAdded.equals(e.getKey())) {
                throw new IllegalArgumentException("id " + id + " is the vocab token '" + e.getKey()
                        + "' and the added token '" + asAdded + "'");
            }
            if (asAdded != null && byteLevelOnly) {
                continue; // GPT-2's hub file lists <|endoftext|> in the vocab too; it is an added token only
            }
            if (tokens[id] != null) {
                throw new IllegalArgumentException("model.vocab gives id " + id + " to both '" + tokens[id] + "' and '" + e.getKey() + "'");
            }
            tokens[id] = e.getKey();
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
        BytePairModel bpe = byteLevelOnly ? new BytePairModel(tokens, merges) : new BytePairModel(tokens, merges, options);
        return new Tokenizer(bpe, addedTokens, pipeline);
    }

    private static void checkId(JsonNode id, String what, int maxId, int count) {
        if (id == null || !id.isIntegralNumber() || !id.canConvertToLong() || id.asLong() < 0) {
            throw new IllegalArgumentException(what + " must have a non-negative integer id, got " + id);
        }
        if (id.asLong() > maxId) {
            throw new IllegalArgumentException(what + " has id " + id.asText() + ", but the file has only " + count
                    + " tokens; ids must be dense (at most " + maxId + " here). Renumber the token or remove it");
        }
    }

    /** The components around the model; {@link Tokenizer.Pipeline#GPT2} when they are exactly GPT-2's. */
    static Tokenizer.Pipeline pipeline(JsonNode root, BytePairModel.Options options, List<AddedToken> addedTokens) {
        Normalizer normalizer = Normalizer.read(root.get("normalizer"), "normalizer");
        PreTokenizer preTokenizer = PreTokenizer.read(root.get("pre_tokenizer"), "pre_tokenizer");
        PostProcessor post = PostProcessor.read(root.get("post_processor"), "post_processor");
        Decoder decoder = Decoder.read(root.get("decoder"), "decoder");
        boolean gpt2 = normalizer == null && preTokenizer != null && PreTokenizer.fastScanner(preTokenizer) == SplitScanner.GPT2
                && post instanceof PostProcessor.Template t && t.before().length == 0 && t.after().length == 0
                && decoder instanceof Decoder.ByteLevelDecoder && options.equals(BytePairModel.Options.BYTE_LEVEL)
                && addedTokens.stream().allMatch(a -> a.special() && !a.normalized() && !a.lstrip() && !a.rstrip() && !a.singleWord());
        if (gpt2) {
            return Tokenizer.Pipeline.GPT2;
        }
        com.fasterxml.jackson.databind.node.ObjectNode json = MAPPER.createObjectNode();
        for (String key : List.of("normalizer", "pre_tokenizer", "post_processor", "decoder")) {
            json.set(key, root.hasNonNull(key) ? root.get(key) : com.fasterxml.jackson.databind.node.NullNode.getInstance());
        }
        com.fasterxml.jackson.databind.node.ObjectNode modelOptions = json.putObject("model");
        modelOptions.put("unk_token", options.unkToken());
        modelOptions.put("continuing_subword_prefix", options.continuingSubwordPrefix());
        modelOptions.put("end_of_word_suffix", options.endOfWordSuffix());
        modelOptions.put("fuse_unk", options.fuseUnk());
        modelOptions.put("byte_fallback", options.byteFallback());
        modelOptions.put("ignore_merges", options.ignoreMerges());
        return new Tokenizer.Pipeline(normalizer, preTokenizer, post, decoder, json);
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
        com.fasterxml.jackson.databind.node.ObjectNode json = tokenizer.pipeline().json();
        g.setCodec(MAPPER);
        g.writeStartObject();
        g.writeStringField("version", "1.0");
        g.writeNullField("truncation");
        g.writeNullField("padding");
        g.writeArrayFieldStart("added_tokens");
        for (AddedToken t : tokenizer.addedTokens()) {
            g.writeStartObject();
            g.writeNumberField("id", t.id());
            g.writeStringField("content", t.content());
            g.writeBooleanField("single_word", t.singleWord());
            g.writeBooleanField("lstrip", t.lstrip());
            g.writeBooleanField("rstrip", t.rstrip());
            g.writeBooleanField("normalized", t.normalized());
            g.writeBooleanField("special", t.special());
            g.writeEndObject();
        }
        g.writeEndArray();
        if (json == null) {
            g.writeNullField("normalizer");
            writeByteLevel(g, "pre_tokenizer", false, true);
            writeByteLevel(g, "post_processor", true, false);
            writeByteLevel(g, "decoder", true, true);
        } else {
            for (String key : List.of("normalizer", "pre_tokenizer", "post_processor", "decoder")) {
                g.writeFieldName(key);
                g.writeTree(json.get(key));
            }
        }
        BytePairModel.Options o = model.options;
        g.writeObjectFieldStart("model");
        g.writeStringField("type", "BPE");
        g.writeNullField("dropout");
        g.writeStringField("unk_token", o.unkToken());
        g.writeStringField("continuing_subword_prefix", o.continuingSubwordPrefix() == null ? "" : o.continuingSubwordPrefix());
        g.writeStringField("end_of_word_suffix", o.endOfWordSuffix() == null ? "" : o.endOfWordSuffix());
        g.writeBooleanField("fuse_unk", o.fuseUnk());
        g.writeBooleanField("byte_fallback", o.byteFallback());
        g.writeBooleanField("ignore_merges", o.ignoreMerges());
        g.writeObjectFieldStart("vocab");
        for (int id = 0; id < model.tokens.length; id++) {
            if (model.tokens[id] != null) {
                g.writeNumberField(model.tokens[id], id);
            }
        }
        g.writeEndObject();
        g.writeArrayFieldStart("merges");
        boolean pairs = false; // "left right" cannot hold a token with a space; Hugging Face reads pairs too
        for (int rank = 0; rank < model.mergeCount(); rank++) {
            pairs |= model.tokens[model.mergeLeft[rank]].indexOf(' ') >= 0 || model.tokens[model.mergeRight[rank]].indexOf(' ') >= 0;
        }
        for (int rank = 0; rank < model.mergeCount(); rank++) {
            String left = model.tokens[model.mergeLeft[rank]];
            String right = model.tokens[model.mergeRight[rank]];
            if (pairs) {
                g.writeStartArray();
                g.writeString(left);
                g.writeString(right);
                g.writeEndArray();
            } else {
                g.writeString(left + " " + right);
            }
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
