package ai.stratum.train.data;

import ai.stratum.fixtures.tokens.SyntheticShards;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenShardTest {

    @TempDir
    Path dir;

    @Test
    void readsUint16AndUint32ShardsAsWritten() throws IOException {
        int[] narrow = {0, 1, 65535, 50256, 7};
        int[] wide = {0, 65536, 100_000, 2_000_000_000, 3};
        SyntheticShards.writeShard(dir.resolve("a.bin"), narrow, false);
        SyntheticShards.writeShard(dir.resolve("b.bin"), wide, true);
        try (TokenShard a = TokenShard.open(dir.resolve("a.bin")); TokenShard b = TokenShard.open(dir.resolve("b.bin"))) {
            assertEquals(2, a.bytesPerToken());
            assertEquals(4, b.bytesPerToken());
            assertEquals(5, a.tokenCount());
            int[] got = new int[7];
            a.read(0, got, 1, 5);
            assertArrayEquals(new int[]{0, 0, 1, 65535, 50256, 7, 0}, got);
            int[] gotWide = new int[3];
            b.read(1, gotWide, 0, 3);
            assertArrayEquals(new int[]{65536, 100_000, 2_000_000_000}, gotWide);
        }
    }

    @Test
    void headerLayoutIsLlmCs() throws IOException {
        SyntheticShards.writeShard(dir.resolve("a.bin"), new int[]{258, 3}, false);
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("a.bin"))).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1024 + 4, bytes.capacity());
        assertEquals(20240520, bytes.getInt(0));
        assertEquals(1, bytes.getInt(4));
        assertEquals(2, bytes.getInt(8));
        assertEquals(258, bytes.getShort(1024));
    }

    @Test
    void truncatedShardIsReportedWithTheFileAndAHint() throws IOException {
        Path file = dir.resolve("cut.bin");
        SyntheticShards.writeShard(file, new int[100], false);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(1024 + 150);
        }
        IOException e = assertThrows(IOException.class, () -> TokenShard.open(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("promises 100 tokens")
                && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void wrongMagicOrVersionIsRejected() throws IOException {
        Path file = dir.resolve("x.bin");
        Files.write(file, new byte[2048]);
        assertTrue(assertThrows(IOException.class, () -> TokenShard.open(file)).getMessage()
                .contains("not an llm.c token shard"));
        ByteBuffer header = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN).putInt(20240801).putInt(1);
        Files.write(file, header.array());
        assertTrue(assertThrows(IOException.class, () -> TokenShard.open(file)).getMessage()
                .contains("unsupported version 1; expected version 7"));
    }

    @Test
    void manifestListsShardsBySplitAndChecksCounts() throws IOException {
        SyntheticShards.writeDataset(dir, 64, 3000, 500, 1);
        ShardSet set = ShardSet.open(dir);
        assertEquals(List.of(dir.resolve("synthetic_train_000000.bin")), set.train());
        assertEquals(List.of(dir.resolve("synthetic_val_000000.bin")), set.val());
        assertEquals(0, set.vocabSize());
        assertEquals(-1, set.eotId());
        Files.writeString(dir.resolve("manifest.json"),
                "{\"shards\": [{\"file\": \"synthetic_train_000000.bin\", \"split\": \"train\", \"tokens\": 7}]}");
        IOException e = assertThrows(IOException.class, () -> ShardSet.open(dir));
        assertTrue(e.getMessage().contains("shards[0]") && e.getMessage().contains("says 7 tokens"), e.getMessage());
        Files.writeString(dir.resolve("manifest.json"), "{\"shards\": [{\"file\": \"a.bin\", \"split\": \"test\"}]}");
        assertTrue(assertThrows(IOException.class, () -> ShardSet.open(dir)).getMessage().contains("'split' must be"));
    }

    @Test
    void readsTheDataPipelinesManifest() throws IOException {
        SyntheticShards.writeShard(dir.resolve("web_train_000000.bin"), new int[]{5, 6, 7}, false);
        SyntheticShards.writeShard(dir.resolve("web_val_000000.bin"), new int[]{8, 9}, false);
        Files.writeString(dir.resolve("manifest.json"), """
                {"format": "llm.c", "magic": 20240520, "version": 1, "dtype": "uint16", "vocab_size": 50257,
                 "eot_id": 50256, "eot_placement": "before_each_document", "shard_tokens": 100000000,
                 "shards": [
                   {"file": "web_train_000000.bin", "split": "train", "tokens": 3, "sha256": "ab"},
                   {"file": "web_val_000000.bin", "split": "val", "tokens": 2, "sha256": "cd"}],
                 "splits": {"train": {"documents": 1, "tokens": 3}}, "mixture": {}}
                """);
        ShardSet set = ShardSet.open(dir);
        assertEquals(List.of(dir.resolve("web_train_000000.bin")), set.train());
        assertEquals(List.of(dir.resolve("web_val_000000.bin")), set.val());
        assertEquals(50257, set.vocabSize());
        assertEquals(50256, set.eotId());
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(new byte[]{5, 0, 6, 0, 7, 0});
        assertEquals(List.of(String.format("web_train_000000.bin crc32 %08x", crc.getValue())),
                new ShardData(set).identity());
    }

    @Test
    void manifestEntriesOutsideTheDataDirectoryAreRefusedBeforeOpening() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        SyntheticShards.writeShard(dir.resolve("outside_train.bin"), new int[]{1, 2, 3}, false);
        for (String name : List.of("../outside_train.bin", dir.resolve("outside_train.bin").toString(),
                "sub/../../outside_train.bin", "")) {
            Files.writeString(data.resolve("manifest.json"), "{\"shards\": [{\"file\": \""
                    + name.replace("\\", "\\\\") + "\", \"split\": \"train\", \"tokens\": 3}]}");
            IOException e = assertThrows(IOException.class, () -> ShardSet.open(data), name);
            assertTrue(e.getMessage().contains("shards[0]: 'file' must name a shard inside " + data), e.getMessage());
        }
        Files.createDirectories(data.resolve("sub"));
        SyntheticShards.writeShard(data.resolve("x_train.bin"), new int[]{1, 2, 3}, false);
        Files.writeString(data.resolve("manifest.json"),
                "{\"shards\": [{\"file\": \"sub/../x_train.bin\", \"split\": \"train\", \"tokens\": 3}]}");
        assertEquals(List.of(data.resolve("x_train.bin")), ShardSet.open(data).train());
    }

    @Test
    void summaryHasTheLargestIdOfUint16AndUint32Shards() throws IOException {
        int[] tokens = new int[300_000];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = (int) ((long) i * 7919 % 50_000);
        }
        tokens[123_456] = 65_535;
        SyntheticShards.writeShard(dir.resolve("a.bin"), tokens, false);
        tokens[123_456] = 0;
        tokens[299_999] = 200_000;
        SyntheticShards.writeShard(dir.resolve("b.bin"), tokens, true);
        try (TokenShard a = TokenShard.open(dir.resolve("a.bin")); TokenShard b = TokenShard.open(dir.resolve("b.bin"))) {
            assertEquals(65_535, a.summary().maxTokenId());
            assertEquals(200_000, b.summary().maxTokenId());
        }
    }

    @Test
    void withoutAManifestLlmCNamesDecideTheSplit() throws IOException {
        SyntheticShards.writeShard(dir.resolve("fineweb_train_000002.bin"), new int[10], false);
        SyntheticShards.writeShard(dir.resolve("fineweb_train_000001.bin"), new int[10], false);
        SyntheticShards.writeShard(dir.resolve("fineweb_val_000000.bin"), new int[10], false);
        ShardSet set = ShardSet.open(dir);
        assertEquals(List.of(dir.resolve("fineweb_train_000001.bin"), dir.resolve("fineweb_train_000002.bin")),
                set.train());
        assertEquals(List.of(dir.resolve("fineweb_val_000000.bin")), set.val());
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertTrue(assertThrows(IOException.class, () -> ShardSet.open(empty)).getMessage().contains("*train*.bin"));
    }
}
