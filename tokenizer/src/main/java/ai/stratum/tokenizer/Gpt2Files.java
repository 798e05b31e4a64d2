package ai.stratum.tokenizer;

import ai.stratum.io.AtomicFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads GPT-2's original files: {@code encoder.json} (byte-level token string -> id) and {@code vocab.bpe}
 * (a {@code #version} line, then one merge "left right" per line in rank order). The token
 * {@code <|endoftext|>}, if present in the encoder, becomes a special token with its id.
 */
final class Gpt2Files {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Gpt2Files() {
    }

    static Tokenizer read(Path encoderJson, Path vocabBpe) {
        String[] tokens;
        Map<String, Integer> specials = new java.util.HashMap<>();
        try {
            JsonNode root = MAPPER.readTree(encoderJson.toFile());
            if (root == null || !root.isObject()) {
                throw new TokenizerFileException(encoderJson, "expected a JSON object of token -> id");
            }
            int maxId = -1;
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                    throw new TokenizerFileException(encoderJson, "token '" + e.getKey()
                            + "' must map to a non-negative integer id, got " + e.getValue());
                }
                maxId = Math.max(maxId, e.getValue().asInt());
                if (e.getValue().asInt() > TokenizerJson.maxDenseId(root.size())) {
                    throw new TokenizerFileException(encoderJson, "token '" + e.getKey() + "' has id " + e.getValue().asInt()
                            + ", but the file has only " + root.size() + " tokens; ids must be dense (at most "
                            + TokenizerJson.maxDenseId(root.size()) + " here). Renumber the token or remove it");
                }
            }
            tokens = new String[maxId + 1];
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                int id = e.getValue().asInt();
                if (e.getKey().equals(Tokenizer.END_OF_TEXT)) {
                    specials.put(e.getKey(), id);
                } else if (tokens[id] != null) {
                    throw new TokenizerFileException(encoderJson, "id " + id + " is given to both '" + tokens[id]
                            + "' and '" + e.getKey() + "'");
                } else {
                    tokens[id] = e.getKey();
                }
            }
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new TokenizerFileException(encoderJson, "no such file", e);
        } catch (JsonProcessingException e) {
            throw new TokenizerFileException(encoderJson, "not valid JSON: " + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr(), e);
        } catch (IOException e) {
            throw new TokenizerFileException(encoderJson, "cannot read: " + e.getMessage(), e);
        }
        List<String[]> merges = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(vocabBpe, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if ((lineNo == 1 && line.startsWith("#version")) || line.isEmpty()) {
                    continue;
                }
                String[] pair = line.split(" ", -1);
                if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
                    throw new TokenizerFileException(vocabBpe, "line " + lineNo + ": expected 'left right', got '" + line + "'");
                }
                merges.add(pair);
            }
        } catch (NoSuchFileException e) {
            throw new TokenizerFileException(vocabBpe, "no such file", e);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new TokenizerFileException(vocabBpe, "not UTF-8 text", e);
        } catch (IOException e) {
            throw new TokenizerFileException(vocabBpe, "cannot read: " + e.getMessage(), e);
        }
        BytePairModel model;
        try {
            model = new BytePairModel(tokens, merges);
        } catch (IllegalArgumentException e) {
            throw new TokenizerFileException(e.getMessage().startsWith("merge") ? vocabBpe : encoderJson, e.getMessage(), e);
        }
        return new Tokenizer(model, specials);
    }

    static void write(Tokenizer tokenizer, Path dir) {
        for (String special : tokenizer.specialTokens().keySet()) {
            if (!special.equals(Tokenizer.END_OF_TEXT)) {
                throw new IllegalArgumentException("GPT-2's encoder.json can mark only " + Tokenizer.END_OF_TEXT
                        + " as special, not '" + special + "'; save a tokenizer.json instead");
            }
        }
        BytePairModel model = tokenizer.model();
        Path encoder = dir.resolve("encoder.json");
        try {
            AtomicFiles.writeStream(encoder, out -> {
                try (com.fasterxml.jackson.core.JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
                    g.writeStartObject();
                    for (int id = 0; id < model.tokens.length; id++) {
                        if (model.tokens[id] != null) {
                            g.writeNumberField(model.tokens[id], id);
                        }
                    }
                    for (Map.Entry<String, Integer> e : tokenizer.specialTokens().entrySet()) {
                        g.writeNumberField(e.getKey(), e.getValue());
                    }
                    g.writeEndObject();
                }
            });
        } catch (IOException e) {
            throw new TokenizerFileException(encoder, "cannot write: " + e.getMessage(), e);
        }
        Path merges = dir.resolve("vocab.bpe");
        try {
            AtomicFiles.writeStream(merges, out -> {
                StringBuilder sb = new StringBuilder("#version: 0.2\n");
                for (int rank = 0; rank < model.mergeCount(); rank++) {
                    sb.append(model.tokens[model.mergeLeft[rank]]).append(' ').append(model.tokens[model.mergeRight[rank]]).append('\n');
                }
                out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            });
        } catch (IOException e) {
            throw new TokenizerFileException(merges, "cannot write: " + e.getMessage(), e);
        }
    }
}
