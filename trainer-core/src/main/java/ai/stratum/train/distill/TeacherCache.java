package ai.stratum.train.distill;

import ai.stratum.io.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A teacher's top-k logits cached on disk, so a large teacher runs once over the training data and every student
 * run (and every resume) reads the same numbers. One file per block of training rows:
 * <pre>
 * offset  size        field
 * 0       4           magic 0x53544B44 ("STKD" read as a big-endian int; stored little-endian as every field)
 * 4       4           version 1
 * 8       4           k, entries per row
 * 12      4           vocabulary size of the teacher (ids are below it)
 * 16      8           first row: the index of this block's first row in the run's row stream
 * 24      4           row count
 * 28      4           token checksum: CRC-32 of the block's input token ids, then its attention segment ids when the
 *                     rows pack several examples, each as int32 little-endian ({@link #tokenChecksum}); 0 = not recorded
 * 32      rows*k*4    ids, int32, row-major (row r's k ids best-first; -1 pads a row with fewer entries)
 * ...     rows*k*4    logits, float32, same order (the teacher's raw logits at temperature 1)
 * </pre>
 * A row is one position of a micro-batch (masked positions included, so a block is one whole micro-batch of
 * B * T rows): its index in the run's row stream is its order of use ((step * micro-steps + micro-step) * B * T +
 * sequence * T + position), which a seeded run reproduces exactly. The directory's {@code cache.json} records what
 * the rows were computed from (teacher, data, seed, shapes, k); a run whose inputs differ refuses the cache, and a
 * block whose token checksum differs from the micro-batch it is read for is refused by name. Files are written atomically (temp, fsync, rename);
 * reading checks the magic, version, k, vocabulary and that the size is exactly what the header promises, naming
 * the file on any mismatch.
 */
public final class TeacherCache {

    public static final int MAGIC = 0x53544B44;
    public static final int VERSION = 1;
    public static final int HEADER_BYTES = 32;

    private TeacherCache() {
    }

    /** One block of cached rows. */
    public record Block(int vocab, long firstRow, DistillationLoss.TopK rows, int tokenChecksum) {
        /** A block without a token checksum. */
        public Block(int vocab, long firstRow, DistillationLoss.TopK rows) {
            this(vocab, firstRow, rows, 0);
        }

        public int rowCount() {
            return rows.ids().length / rows.k();
        }
    }

    /** Writes {@code block} to {@code file} atomically. */
    public static void write(Path file, Block block) throws IOException {
        DistillationLoss.TopK t = block.rows();
        int entries = t.ids().length;
        ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + entries * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(MAGIC).putInt(VERSION).putInt(t.k()).putInt(block.vocab()).putLong(block.firstRow())
                .putInt(block.rowCount()).putInt(block.tokenChecksum());
        for (int id : t.ids()) {
            if (id < -1 || id >= block.vocab()) {
                throw new IllegalArgumentException("ids: " + id + " is outside the teacher vocabulary of "
                        + block.vocab());
            }
            buf.putInt(id);
        }
        for (float v : t.logits()) {
            buf.putFloat(v);
        }
        AtomicFiles.writeBytes(file, buf.array());
    }

    /**
     * Reads a block, checking it against what the run expects.
     *
     * @param k     the run's top-k, or 0 to accept the file's
     * @param vocab the student's vocabulary size: the teacher's must be equal (a shared tokenizer)
     */
    public static Block read(Path file, int k, int vocab) throws IOException {
        ByteBuffer buf;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER_BYTES) {
                throw new IOException(file + ": " + size + " bytes is shorter than the " + HEADER_BYTES
                        + "-byte teacher-cache header; the file is truncated or not a teacher cache: delete it and "
                        + "rebuild the cache");
            }
            if (size > Integer.MAX_VALUE) {
                throw new IOException(file + ": " + size + " bytes is larger than one cache block may be");
            }
            buf = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
            while (buf.hasRemaining()) {
                if (ch.read(buf) < 0) {
                    throw new IOException(file + ": ended early while reading");
                }
            }
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "teacher-cache block not found; build the cache "
                    + "first or run without it");
        }
        buf.flip();
        int magic = buf.getInt();
        int version = buf.getInt();
        int fileK = buf.getInt();
        int fileVocab = buf.getInt();
        long firstRow = buf.getLong();
        int rows = buf.getInt();
        int checksum = buf.getInt();
        if (magic != MAGIC) {
            throw new IOException(file + ": not a teacher-cache block (magic " + Integer.toHexString(magic)
                    + ", expected " + Integer.toHexString(MAGIC) + ")");
        }
        if (version != VERSION) {
            throw new IOException(file + ": teacher-cache version " + version + " is not supported (this build reads "
                    + VERSION + "); rebuild the cache");
        }
        if (fileK < 1 || rows < 0 || firstRow < 0) {
            throw new IOException(file + ": header is damaged (k " + fileK + ", rows " + rows + ", first row "
                    + firstRow + "); rebuild the cache");
        }
        if (k != 0 && fileK != k) {
            throw new IOException(file + ": holds top-" + fileK + " rows but the run asks for top-" + k
                    + "; rebuild the cache with distill.top_k=" + k + " or set it to " + fileK);
        }
        if (fileVocab != vocab) {
            throw new IOException(file + ": the teacher's vocabulary has " + fileVocab + " ids but the student's has "
                    + vocab + "; teacher and student must share a tokenizer");
        }
        long expected = HEADER_BYTES + (long) rows * fileK * 8;
        if (buf.capacity() != expected) {
            throw new IOException(file + ": " + buf.capacity() + " bytes, but its header promises " + expected
                    + " (" + rows + " rows of top-" + fileK + "); the file is truncated or damaged: rebuild the cache");
        }
        int entries = rows * fileK;
        int[] ids = new int[entries];
        float[] logits = new float[entries];
        for (int i = 0; i < entries; i++) {
            ids[i] = buf.getInt();
            if (ids[i] < -1 || ids[i] >= vocab) {
                throw new IOException(file + ": id " + ids[i] + " at entry " + i + " is outside the vocabulary of "
                        + vocab + "; the file is damaged: rebuild the cache");
            }
        }
        for (int i = 0; i < entries; i++) {
            logits[i] = buf.getFloat();
        }
        return new Block(fileVocab, firstRow, new DistillationLoss.TopK(fileK, ids, logits), checksum);
    }

    /**
     * CRC-32 of {@code tokens} then {@code segments} (when not null), each id as int32 little-endian: what a block's
     * header records of the micro-batch it was computed on.
     */
    public static int tokenChecksum(int[] tokens, int[] segments) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        ByteBuffer b = ByteBuffer.allocate(4 * (tokens.length + (segments == null ? 0 : segments.length)))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int t : tokens) {
            b.putInt(t);
        }
        if (segments != null) {
            for (int s : segments) {
                b.putInt(s);
            }
        }
        crc.update(b.array());
        return (int) crc.getValue();
    }

    /** The block file for the block starting at {@code firstRow} in a cache directory. */
    public static Path blockFile(Path dir, long firstRow) {
        return dir.resolve(String.format("rows-%014d.stkd", firstRow));
    }

    /** Whether the block starting at {@code firstRow} is already cached (a rebuild skips it). */
    public static boolean has(Path dir, long firstRow) {
        return Files.isRegularFile(blockFile(dir, firstRow));
    }
}
