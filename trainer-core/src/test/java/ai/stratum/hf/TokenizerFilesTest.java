package ai.stratum.hf;

import ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson;
import ai.stratum.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which tokenizer a pretraining run carries into its checkpoints, and the files a model directory carries. */
class TokenizerFilesTest {

    @TempDir
    Path dir;

    Path data(String manifest) throws IOException {
        Path d = Files.createDirectories(dir.resolve("data"));
        Files.writeString(d.resolve("manifest.json"), manifest);
        return d;
    }

    @Test
    void byteLevelDataGetsAByteLevelTokenizerThatEncodesLikeThePipeline() throws IOException {
        Path d = data("{\"tokenizer_fingerprint\": \"bytes-257\", \"eot_id\": 256, \"shards\": []}");
        Path tok = TokenizerFiles.forPretraining(d, null, dir.resolve("run"));
        assertEquals(dir.resolve("run/tokenizer.json"), tok);
        Tokenizer t = Tokenizer.load(tok);
        String text = "Grüße, 世界! tabs\tand\nnewlines";
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] expected = new int[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            expected[i] = utf8[i] & 0xFF; // the data pipeline's ByteLevelEncoder
        }
        assertArrayEquals(expected, t.encodeOrdinary(text));
        assertEquals(256, t.specialTokenId(Tokenizer.END_OF_TEXT).orElseThrow());
        assertEquals(257, t.vocabSize());
        assertEquals(text, t.decode(expected));
    }

    @Test
    void theDataDirectorysOrTheGivenTokenizerMustBeTheOneTheShardsWereMadeWith() throws IOException {
        Path tokFile = ByteLevelTokenizerJson.write(dir.resolve("tok/tokenizer.json"), List.of("<|endoftext|>", "<x>"));
        String fp = Tokenizer.load(tokFile).fingerprint();
        Path d = data("{\"tokenizer_fingerprint\": \"" + fp + "\", \"shards\": []}");
        assertEquals(tokFile, TokenizerFiles.forPretraining(d, tokFile, dir.resolve("run")));
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> TokenizerFiles.forPretraining(d, null, dir.resolve("run")));
        assertTrue(none.getMessage().contains(d + " has no tokenizer.json") && none.getMessage().contains(fp)
                && none.getMessage().contains("--tokenizer"), none.getMessage());
        Files.copy(tokFile, d.resolve("tokenizer.json"));
        assertEquals(d.resolve("tokenizer.json"), TokenizerFiles.forPretraining(d, null, dir.resolve("run")));

        Path other = ByteLevelTokenizerJson.write(dir.resolve("other/tokenizer.json"), List.of("<|endoftext|>"));
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> TokenizerFiles.forPretraining(d, other, dir.resolve("run")));
        assertTrue(wrong.getMessage().contains("is not the tokenizer"), wrong.getMessage());

        Path llmc = Files.createDirectories(dir.resolve("llmc")); // llm.c shards: no manifest, no tokenizer
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> TokenizerFiles.forPretraining(llmc, null, dir.resolve("run"))).getMessage()
                .startsWith("tokenizer: " + llmc + " has no tokenizer.json"));
    }

    @Test
    void copyCarriesTheFilesPresent() throws IOException {
        Path from = Files.createDirectories(dir.resolve("from"));
        Files.writeString(from.resolve("tokenizer.json"), "{}");
        Files.writeString(from.resolve("generation_config.json"), "{\"eos_token_id\": 2}");
        Files.writeString(from.resolve("trainer_state.json"), "{}");
        Path to = Files.createDirectories(dir.resolve("to"));
        assertEquals(List.of("tokenizer.json", "generation_config.json"), TokenizerFiles.copy(from, to));
        assertEquals("{\"eos_token_id\": 2}", Files.readString(to.resolve("generation_config.json")));
        assertTrue(Files.notExists(to.resolve("trainer_state.json")));
    }
}
