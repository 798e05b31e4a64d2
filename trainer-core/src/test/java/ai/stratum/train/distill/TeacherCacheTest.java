package ai.stratum.train.distill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TeacherCacheTest {

    private static TeacherCache.Block block(int rows, int vocab, int k, long first) {
        SplittableRandom r = new SplittableRandom(first);
        float[] logits = new float[rows * vocab];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) r.nextGaussian();
        }
        return new TeacherCache.Block(vocab, first, DistillationLoss.topK(logits, rows, vocab, k));
    }

    @Test
    void aBlockReadsBackExactlyAndItsBytesFollowTheDocumentedLayout(@TempDir Path dir) throws IOException {
        TeacherCache.Block b = block(5, 40, 3, 1200);
        Path file = TeacherCache.blockFile(dir, 1200);
        assertFalse(TeacherCache.has(dir, 1200));
        TeacherCache.write(file, b);
        assertTrue(TeacherCache.has(dir, 1200));
        TeacherCache.Block back = TeacherCache.read(file, 3, 40);
        assertEquals(1200, back.firstRow());
        assertEquals(5, back.rowCount());
        assertArrayEquals(b.rows().ids(), back.rows().ids());
        assertArrayEquals(b.rows().logits(), back.rows().logits());

        // the documented layout, read by hand
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(32 + 5 * 3 * 8, raw.capacity());
        assertEquals(0x53544B44, raw.getInt(0));
        assertEquals(1, raw.getInt(4));
        assertEquals(3, raw.getInt(8));
        assertEquals(40, raw.getInt(12));
        assertEquals(1200L, raw.getLong(16));
        assertEquals(5, raw.getInt(24));
        assertEquals(b.rows().ids()[4], raw.getInt(32 + 4 * 4));
        assertEquals(b.rows().logits()[7], raw.getFloat(32 + 15 * 4 + 7 * 4));
        // no temp file is left behind
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void mismatchesAndDamageAreRefusedNamingTheFileAndTheFix(@TempDir Path dir) throws IOException {
        Path file = TeacherCache.blockFile(dir, 0);
        TeacherCache.write(file, block(4, 30, 2, 0));
        var e = assertThrows(IOException.class, () -> TeacherCache.read(file, 2, 31));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("share a tokenizer"),
                e.getMessage());
        e = assertThrows(IOException.class, () -> TeacherCache.read(file, 4, 30));
        assertTrue(e.getMessage().contains("distill.top_k=4"), e.getMessage());

        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 3));
        e = assertThrows(IOException.class, () -> TeacherCache.read(file, 2, 30));
        assertTrue(e.getMessage().contains("truncated or damaged"), e.getMessage());

        byte[] badId = bytes.clone();
        ByteBuffer.wrap(badId).order(ByteOrder.LITTLE_ENDIAN).putInt(32 + 4, 999);
        Files.write(file, badId);
        e = assertThrows(IOException.class, () -> TeacherCache.read(file, 2, 30));
        assertTrue(e.getMessage().contains("id 999"), e.getMessage());

        byte[] notOurs = bytes.clone();
        notOurs[0] = 'X';
        Files.write(file, notOurs);
        e = assertThrows(IOException.class, () -> TeacherCache.read(file, 2, 30));
        assertTrue(e.getMessage().contains("not a teacher-cache block"), e.getMessage());

        assertThrows(java.nio.file.NoSuchFileException.class, () -> TeacherCache.read(dir.resolve("none"), 2, 30));
    }
}
