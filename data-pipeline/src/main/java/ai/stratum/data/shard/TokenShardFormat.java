package ai.stratum.data.shard;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * llm.c's token shard format: a header of 256 little-endian int32 ({@code [0]} magic, {@code [1]} version,
 * {@code [2]} token count), then the tokens, little-endian: uint16 with magic 20240520 / version 1, or uint32
 * with magic 20240801 / version 7 (vocabularies over 65535 ids).
 */
public final class TokenShardFormat {
    public static final int HEADER_INTS = 256;
    public static final int HEADER_BYTES = HEADER_INTS * 4;
    public static final int MAGIC_U16 = 20240520;
    public static final int VERSION_U16 = 1;
    public static final int MAGIC_U32 = 20240801;
    public static final int VERSION_U32 = 7;

    private TokenShardFormat() {
    }

    /** Bytes per token for a vocabulary: 2 when every id fits uint16 as the brief says (vocab <= 65535), else 4. */
    public static int tokenBytes(int vocabSize) {
        return vocabSize > 65535 ? 4 : 2;
    }

    public static ByteBuffer header(int tokenBytes, long tokens) {
        if (tokens > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shard_tokens: a shard holds at most 2^31-1 tokens, got " + tokens);
        }
        ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(tokenBytes == 2 ? MAGIC_U16 : MAGIC_U32);
        h.putInt(tokenBytes == 2 ? VERSION_U16 : VERSION_U32);
        h.putInt((int) tokens);
        h.position(0);
        return h;
    }

    private static boolean readFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Reads a whole shard back, checking magic, version and file size; for tests and stats. */
    public static int[] read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            if (!readFully(ch, h)) {
                throw new IOException(file + ": shorter than the 1024-byte llm.c header");
            }
            int magic = h.getInt(0);
            int version = h.getInt(4);
            int count = h.getInt(8);
            int width;
            if (magic == MAGIC_U16 && version == VERSION_U16) {
                width = 2;
            } else if (magic == MAGIC_U32 && version == VERSION_U32) {
                width = 4;
            } else {
                throw new IOException(file + ": not an llm.c token shard (magic " + magic + ", version " + version
                        + ")");
            }
            long expected = HEADER_BYTES + (long) count * width;
            if (ch.size() != expected) {
                throw new IOException(file + ": header says " + count + " tokens (" + expected + " bytes) but the "
                        + "file has " + ch.size() + " bytes; was it truncated?");
            }
            ByteBuffer data = ByteBuffer.allocate(count * width).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, data);
            data.flip();
            int[] tokens = new int[count];
            for (int i = 0; i < count; i++) {
                tokens[i] = width == 2 ? Short.toUnsignedInt(data.getShort()) : data.getInt();
            }
            return tokens;
        }
    }
}
