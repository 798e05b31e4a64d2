package ai.stratum.data.shard;

import ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardsTest {
    @TempDir
    Path dir;

    @Test
    void tokensRollOverIntoFixedSizeShardsWithLlmcHeaders() throws IOException {
        int[] tokens = {1, 2, 3, 4, 5, 6, 7, 8, 9, 65535};
        List<ShardWriter.ShardInfo> infos;
        try (ShardWriter w = new ShardWriter(dir, "x", "train", 4, 2)) {
            w.write(tokens, 0, 3);
            w.write(tokens, 3, 10);
            infos = w.finish();
        }
        assertEquals(List.of("x_train_000000.bin", "x_train_000001.bin", "x_train_000002.bin"),
                infos.stream().map(ShardWriter.ShardInfo::file).toList());
        assertEquals(List.of(4L, 4L, 2L), infos.stream().map(ShardWriter.ShardInfo::tokens).toList());
        assertArrayEquals(new int[] {9, 65535}, TokenShardFormat.read(dir.resolve("x_train_000002.bin")));
        byte[] raw = Files.readAllBytes(dir.resolve("x_train_000000.bin"));
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(List.of(20240520, 1, 4), List.of(b.getInt(0), b.getInt(4), b.getInt(8)));
        assertEquals(1024 + 8, raw.length);
        assertEquals(List.of((short) 1, (short) 4), List.of(b.getShort(1024), b.getShort(1030)));
        assertEquals(ShardWriter.sha256(dir.resolve("x_train_000001.bin")), infos.get(1).sha256());
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")));
        }
    }

    @Test
    void aTokenThatDoesNotFitUint16IsAnErrorAndATruncatedShardIsCaught() throws IOException {
        try (ShardWriter w = new ShardWriter(dir, "y", "train", 100, 2)) {
            assertThrows(IllegalArgumentException.class, () -> w.write(new int[] {65536}, 0, 1));
        }
        try (ShardWriter w = new ShardWriter(dir, "z", "val", 100, 4)) {
            w.write(new int[] {1, 2, 3}, 0, 3);
            w.finish();
        }
        Path f = dir.resolve("z_val_000000.bin");
        byte[] raw = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(raw, raw.length - 2));
        IOException e = assertThrows(IOException.class, () -> TokenShardFormat.read(f));
        assertTrue(e.getMessage().contains("header says 3 tokens"), e.getMessage());
    }

    @Test
    void theProjectTokenizerAdapterMatchesTheByteEncoderOnAByteLevelVocabulary() throws IOException {
        Path json = ByteLevelTokenizerJson.write(dir.resolve("tokenizer.json"), List.of("<|endoftext|>"));
        TokenizerEncoder enc = TokenizerEncoder.load(json);
        ByteLevelEncoder bytes = new ByteLevelEncoder();
        for (String s : List.of("", "plain", "Grüße, 世界 🙂", "text with <|endoftext|> inside")) {
            assertArrayEquals(bytes.encode(s), enc.encode(s), s);
        }
        assertEquals(256, enc.eotId());
        assertEquals(257, enc.vocabSize());
        assertEquals(ai.stratum.tokenizer.Tokenizer.load(json).fingerprint(), enc.fingerprint());
        assertTrue(!enc.fingerprint().equals(bytes.fingerprint()));
        Path noEot = ByteLevelTokenizerJson.write(dir.resolve("plain.json"), List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenizerEncoder.load(noEot));
        assertTrue(e.getMessage().startsWith("tokenizer: it has no <|endoftext|>"), e.getMessage());
    }

    @Test
    void documentsAreSeparatedByTheConfigsEosTokenWhenThereIsNoEndOfText() throws IOException {
        Path llamaLike = dir.resolve("llama");
        Files.createDirectories(llamaLike);
        ByteLevelTokenizerJson.write(llamaLike.resolve("tokenizer.json"), List.of("<|begin_of_text|>", "<|end_of_text|>"));
        Files.writeString(llamaLike.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|end_of_text|>\"}");
        assertEquals(257, TokenizerEncoder.load(llamaLike).eotId());
        assertEquals(257, TokenizerEncoder.load(llamaLike.resolve("tokenizer.json")).eotId());
        // A vocabulary beyond 65,536 ids needs uint32 shards.
        assertEquals(4, TokenShardFormat.tokenBytes(128_256));
        assertEquals(2, TokenShardFormat.tokenBytes(50_257));
    }
}
