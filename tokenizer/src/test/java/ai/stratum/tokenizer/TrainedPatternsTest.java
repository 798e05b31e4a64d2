package ai.stratum.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stratum.fixtures.text.MultilingualText;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Training with the Llama 3 and Qwen2 split patterns, BOS/EOS and chat special tokens writes a tokenizer.json +
 * tokenizer_config.json that Hugging Face's tokenizers (DJL) loads and encodes identically; huge ids and invalid
 * UTF-8 are refused by name.
 */
class TrainedPatternsTest {
    static final List<String> SPECIALS = List.of("<|endoftext|>", "<|begin_of_text|>", "<|start_header_id|>",
            "<|end_header_id|>", "<|eot_id|>");
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(SplitPattern.class)
    void trainedTokenizerEncodesLikeHuggingFace(SplitPattern pattern) throws IOException {
        MultilingualText gen = MultilingualText.seeded(31);
        Path corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, String.join("\n", gen.documents(200, 1500)) + "\n12345 67890 2026-12-03 3.14159\n",
                StandardCharsets.UTF_8);
        Tokenizer trained = new BpeTrainer(new BpeTrainer.Options(1500, 2, SPECIALS, 2), line -> { })
                .withPattern(pattern).train(List.of(corpus)).withPipeline(pattern, "<|begin_of_text|>");
        Path out = dir.resolve(pattern.name());
        trained.save(out.resolve("tokenizer.json"));
        trained.saveConfig(out.resolve("tokenizer_config.json"), "<|begin_of_text|>", "<|eot_id|>");
        JsonNode config = new ObjectMapper().readTree(out.resolve("tokenizer_config.json").toFile());
        assertEquals("<|eot_id|>", config.path("eos_token").asText());
        Tokenizer loaded = Tokenizer.load(out);
        assertEquals(trained.fingerprint(), loaded.fingerprint());
        List<String> texts = new ArrayList<>(gen.documents(40, 1000));
        texts.addAll(HfExactnessTest.edgeTexts());
        try (HfReference hf = new HfReference(out.resolve("tokenizer.json"))) {
            for (String text : texts) {
                HfExactnessTest.assertSameIds(pattern.name(), loaded, text, hf.encode(text, false),
                        loaded.encode(text, loaded.specialTokens().keySet()));
                int[] withBos = loaded.encode(text, loaded.specialTokens().keySet(), true);
                HfExactnessTest.assertSameIds(pattern.name() + " +BOS", loaded, text, hf.encode(text, true), withBos);
                assertEquals(loaded.specialTokenId("<|begin_of_text|>").getAsInt(), withBos[0]);
            }
        }
        int[] digits = loaded.encodeOrdinary("1234567");
        if (pattern == SplitPattern.QWEN2) {
            assertEquals(7, digits.length, "Qwen2 splits every digit");
        } else if (pattern == SplitPattern.LLAMA3) {
            assertTrue(digits.length >= 3, "Llama 3 splits digits in threes at most");
        }
    }

    @Test
    void patternsSplitDifferently() throws IOException {
        Path corpus = dir.resolve("c.txt");
        Files.writeString(corpus, "I'M 12345 ok 98765\n".repeat(50), StandardCharsets.UTF_8);
        List<Integer> lengths = new ArrayList<>();
        for (SplitPattern p : SplitPattern.values()) {
            Tokenizer t = new BpeTrainer(new BpeTrainer.Options(400, 2, List.of(), 1), line -> { }).withPattern(p).train(List.of(corpus));
            lengths.add(t.encodeOrdinary("I'M 12345 ok 98765").length);
        }
        assertNotEquals(lengths.get(0), lengths.get(2), "GPT-2 and Qwen2 patterns gave the same ids: " + lengths);
    }

    @Test
    void hugeAndSparseIdsAreRefusedNamingTheToken() throws IOException {
        WordCounts counts = new WordCounts();
        counts.addText("abc abd abe\n".repeat(20));
        Tokenizer small = new BpeTrainer(new BpeTrainer.Options(300, 2, List.of("<|endoftext|>"), 1), line -> { }).train(counts);
        Path file = dir.resolve("tokenizer.json");
        small.save(file);
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = (ObjectNode) mapper.readTree(file.toFile());
        ((ObjectNode) root.at("/added_tokens/0")).put("id", 1_000_000_000);
        Path huge = dir.resolve("huge.json");
        mapper.writeValue(huge.toFile(), root);
        String message = assertThrows(TokenizerFileException.class, () -> Tokenizer.load(huge)).getMessage();
        assertTrue(message.contains("added token '<|endoftext|>' has id 1000000000, but the file has only"), message);
        root = (ObjectNode) mapper.readTree(file.toFile());
        ((ObjectNode) root.at("/model/vocab")).put("zz", 1L << 40);
        Path beyondInt = dir.resolve("beyond.json");
        mapper.writeValue(beyondInt.toFile(), root);
        message = assertThrows(TokenizerFileException.class, () -> Tokenizer.load(beyondInt)).getMessage();
        assertTrue(message.contains("model.vocab token 'zz' has id 1099511627776"), message);
    }

    @Test
    void invalidUtf8IsRefusedWithFileAndByteOffsetUnlessReplaced() throws IOException {
        Path bad = dir.resolve("bad.txt");
        byte[] good = "hello wörld\n".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[good.length * 3 + 2];
        System.arraycopy(good, 0, bytes, 0, good.length);
        bytes[good.length] = (byte) 0xC3; // a lead byte followed by ASCII: malformed at offset good.length
        bytes[good.length + 1] = 'x';
        System.arraycopy(good, 0, bytes, good.length + 2, good.length);
        System.arraycopy(good, 0, bytes, 2 * good.length + 2, good.length);
        Files.write(bad, bytes);
        BpeTrainer trainer = new BpeTrainer(new BpeTrainer.Options(300, 2, List.of(), 1), line -> { });
        Utf8Input.InvalidUtf8Exception e = assertThrows(Utf8Input.InvalidUtf8Exception.class, () -> trainer.train(List.of(bad)));
        assertEquals(bad + ": invalid UTF-8 at byte offset " + good.length + " (0xC3); fix the file, or pass --errors replace "
                + "to read such bytes as U+FFFD", e.getMessage());
        Tokenizer replaced = trainer.replacingInvalidUtf8(true).train(List.of(bad));
        assertTrue(replaced.vocabSize() > 256);
        // A multi-byte character split across the reader's buffer is not an error.
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 70_000; i++) {
            sb.append("é😀");
        }
        try (java.io.Reader r = Utf8Input.reader(new java.io.ByteArrayInputStream(sb.toString().getBytes(StandardCharsets.UTF_8)), "x", false)) {
            StringBuilder back = new StringBuilder();
            char[] buf = new char[4097];
            for (int n = r.read(buf); n >= 0; n = r.read(buf)) {
                back.append(buf, 0, n);
            }
            assertEquals(sb.toString(), back.toString());
        }
    }
}
