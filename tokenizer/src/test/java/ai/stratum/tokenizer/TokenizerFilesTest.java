package ai.stratum.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tokenizer.json layout, the merge forms Hugging Face writes, and clear errors for bad files. */
class TokenizerFilesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    @TempDir
    Path dir;

    private Path savedGpt2Json() {
        Path file = dir.resolve("tokenizer.json");
        R50k.tokenizer().withSpecialTokens(List.of("<|pad|>")).save(file);
        return file;
    }

    private Path rewrite(Path file, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        ObjectNode root = (ObjectNode) MAPPER.readTree(file.toFile());
        edit.accept(root);
        Path out = dir.resolve("edited.json");
        MAPPER.writeValue(out.toFile(), root);
        return out;
    }

    private static String loadError(Path file) {
        return assertThrows(TokenizerFileException.class, () -> Tokenizer.load(file)).getMessage();
    }

    @Test
    void savedFileHasHuggingFaceLayout() throws IOException {
        JsonNode root = MAPPER.readTree(savedGpt2Json().toFile());
        assertEquals("BPE", root.at("/model/type").asText());
        assertEquals("ByteLevel", root.at("/pre_tokenizer/type").asText());
        assertEquals("ByteLevel", root.at("/decoder/type").asText());
        assertEquals(220, root.at("/model/vocab/Ġ").asInt());
        assertEquals("Ġ t", root.at("/model/merges/0").asText());
        assertEquals("<|endoftext|>", root.at("/added_tokens/0/content").asText());
        assertEquals(50257, root.at("/added_tokens/1/id").asInt());
        assertTrue(root.at("/added_tokens/1/special").asBoolean());
        assertTrue(root.at("/model/vocab/<|pad|>").isMissingNode(), "special tokens live in added_tokens only");
    }

    @Test
    void mergesWrittenAsPairsAndGpt2StyleVocabEntriesLoad() throws IOException {
        Path file = savedGpt2Json();
        Tokenizer original = Tokenizer.load(file);
        Path edited = rewrite(file, root -> {
            ArrayNode merges = (ArrayNode) root.at("/model/merges");
            ArrayNode pairs = MAPPER.createArrayNode();
            merges.forEach(m -> {
                String[] p = m.asText().split(" ");
                pairs.add(MAPPER.createArrayNode().add(p[0]).add(p[1]));
            });
            ((ObjectNode) root.get("model")).set("merges", pairs);
            // GPT-2's hub file also lists <|endoftext|> in model.vocab.
            ((ObjectNode) root.at("/model/vocab")).put("<|endoftext|>", 50256);
        });
        Tokenizer reloaded = Tokenizer.load(edited);
        assertEquals(original.fingerprint(), reloaded.fingerprint());
        assertEquals(50258, reloaded.vocabSize());
    }

    @Test
    void splitThenByteLevelSequenceIsGpt2sPreTokenizerToo() throws IOException {
        Path file = savedGpt2Json();
        Tokenizer original = Tokenizer.load(file);
        ObjectNode split = MAPPER.createObjectNode().put("type", "Split").put("behavior", "Isolated").put("invert", false);
        split.putObject("pattern").put("Regex", Gpt2PreTokenizer.PATTERN);
        ObjectNode byteLevel = MAPPER.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", true).put("use_regex", false);
        ObjectNode sequence = MAPPER.createObjectNode().put("type", "Sequence");
        sequence.putArray("pretokenizers").add(split).add(byteLevel);
        assertEquals(original.fingerprint(), Tokenizer.load(rewrite(file, root -> root.set("pre_tokenizer", sequence))).fingerprint());
        ObjectNode bert = MAPPER.createObjectNode().put("type", "BertPreTokenizer");
        sequence.putArray("pretokenizers").add(split).add(bert);
        String other = loadError(rewrite(file, root -> root.set("pre_tokenizer", sequence)));
        assertTrue(other.endsWith("edited.json: pre_tokenizer.pretokenizers[1] 'BertPreTokenizer' is not supported; stratum reads the "
                + "pre-tokenizers ByteLevel, Split, Metaspace, Digits, Whitespace, WhitespaceSplit, Punctuation and Sequence"), other);
    }

    @Test
    void missingAndCorruptFilesAreNamed() throws IOException {
        Path missing = dir.resolve("nope.json");
        assertEquals(missing + ": no such tokenizer file or directory", loadError(missing));
        assertEquals(dir + ": directory holds none of tokenizer.json, GPT-2's encoder.json + vocab.bpe, or Hugging Face's "
                + "vocab.json + merges.txt", loadError(dir));
        Path corrupt = dir.resolve("corrupt.json");
        Files.writeString(corrupt, "{\"model\": {\"vocab\": {\"a\": 1,");
        assertTrue(loadError(corrupt).startsWith(corrupt + ": not valid JSON"), loadError(corrupt));
        Path file = savedGpt2Json();
        assertEquals(dir.resolve("edited.json") + ": model.type is 'WordPiece'; stratum reads BPE models only",
                loadError(rewrite(file, root -> ((ObjectNode) root.get("model")).put("type", "WordPiece"))));
        String badMerge = loadError(rewrite(file, root -> ((ObjectNode) root.get("model")).withArray("merges").insert(0, "Ġ zqxjv")));
        assertTrue(badMerge.endsWith("merge 0 'Ġ zqxjv': token 'zqxjv' is not in the vocab"), badMerge);
        assertTrue(loadError(rewrite(file, root -> root.set("normalizer", MAPPER.createObjectNode().put("type", "BertNormalizer"))))
                .contains("normalizer 'BertNormalizer' is not supported"));
        assertTrue(loadError(rewrite(file, root -> root.set("decoder", MAPPER.createObjectNode().put("type", "WordPiece"))))
                .contains("decoder 'WordPiece' is not supported"));
        String key = loadError(rewrite(file, root -> ((ObjectNode) root.get("pre_tokenizer")).put("prefix_spaces", 2)));
        assertTrue(key.contains("pre_tokenizer has the key 'prefix_spaces', which stratum does not support"), key);
    }

    @Test
    void gpt2FilesErrorsNameFileAndLine() throws IOException {
        Path gpt2 = dir.resolve("gpt2");
        R50k.tokenizer().saveGpt2(gpt2);
        Path merges = gpt2.resolve("vocab.bpe");
        List<String> lines = Files.readAllLines(merges, StandardCharsets.UTF_8);
        lines.set(3, "Ġthree parts here");
        Files.write(merges, lines, StandardCharsets.UTF_8);
        String message = assertThrows(TokenizerFileException.class, () -> Tokenizer.load(gpt2)).getMessage();
        assertEquals(merges + ": line 4: expected 'left right', got 'Ġthree parts here'", message);
        IllegalArgumentException chat = assertThrows(IllegalArgumentException.class,
                () -> R50k.tokenizer().withSpecialTokens(List.of("<|im_start|>")).saveGpt2(dir.resolve("x")));
        assertTrue(chat.getMessage().contains("save a tokenizer.json instead"));
    }

    @Test
    void saveIsAtomicAndLeavesNoTempFiles() throws IOException {
        Path file = savedGpt2Json();
        R50k.tokenizer().save(file);
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
    }
}
