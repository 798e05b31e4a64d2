package ai.stratum.train.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;

/**
 * One token shard in llm.c's format: a header of 256 little-endian int32 ({@code header[0]} magic,
 * {@code header[1]} version, {@code header[2]} token count), then the tokens, little-endian: uint16 for magic
 * 20240520 version 1, uint32 for magic 20240801 version 7. Opening checks the header and that the file size is
 * exactly what the header promises; tokens are then read with positional reads (no size limit, no mapping).
 */
public final class TokenShard implements AutoCloseable {

    public static final int HEADER_INTS = 256;
    public static final int HEADER_BYTES = HEADER_INTS * Integer.BYTES;
    public static final int MAGIC_UINT16 = 20240520;
    public static final int VERSION_UINT16 = 1;
    public static final int MAGIC_UINT32 = 20240801;
    public static final int VERSION_UINT32 = 7;

    private final Path path;
    private final FileChannel channel;
    private final long tokenCount;
    private final int bytesPerToken;

    private TokenShard(Path path, FileChannel channel, long tokenCount, int bytesPerToken) {
        this.path = path;
        this.channel = channel;
        this.tokenCount = tokenCount;
        this.bytesPerToken = bytesPerToken;
    }

    /** Opens and validates a shard; the error names the file and says what is wrong. */
    public static TokenShard open(Path path) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "token shard not found");
        }
        try {
            long size = channel.size();
            if (size < HEADER_BYTES) {
                throw new IOException(path + ": " + size + " bytes is shorter than the " + HEADER_BYTES
                        + "-byte llm.c shard header; the file is truncated or is not a token shard");
            }
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, header, 0, path);
            int magic = header.getInt(0);
            int version = header.getInt(4);
            long count = Integer.toUnsignedLong(header.getInt(8));
            int bytesPerToken;
            if (magic == MAGIC_UINT16 && version == VERSION_UINT16) {
                bytesPerToken = 2;
            } else if (magic == MAGIC_UINT32 && version == VERSION_UINT32) {
                bytesPerToken = 4;
            } else if (magic == MAGIC_UINT16 || magic == MAGIC_UINT32) {
                throw new IOException(path + ": llm.c shard magic " + magic + " with unsupported version " + version
                        + "; expected version " + (magic == MAGIC_UINT16 ? VERSION_UINT16 : VERSION_UINT32));
            } else {
                throw new IOException(path + ": not an llm.c token shard (magic " + magic + ", expected "
                        + MAGIC_UINT16 + " for uint16 tokens or " + MAGIC_UINT32 + " for uint32 tokens)");
            }
            long expected = HEADER_BYTES + count * bytesPerToken;
            if (size != expected) {
                throw new IOException(path + ": the header promises " + count + " tokens of " + bytesPerToken
                        + " bytes (" + expected + " bytes in all) but the file has " + size + " bytes. Hint: "
                        + (size < expected ? "the file is truncated (an interrupted write?); regenerate it"
                        : "the file has trailing data; was it written by a different tool or version?"));
            }
            return new TokenShard(path, channel, count, bytesPerToken);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buf, long position, Path path) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, pos);
            if (n < 0) {
                throw new IOException(path + ": unexpected end of file at byte " + pos);
            }
            pos += n;
        }
        buf.flip();
    }

    public Path path() {
        return path;
    }

    public long tokenCount() {
        return tokenCount;
    }

    /** 2 for uint16 shards, 4 for uint32 shards. */
    public int bytesPerToken() {
        return bytesPerToken;
    }

    /** Reads tokens {@code [start, start + count)} into {@code dst[dstOffset...]}. */
    public void read(long start, int[] dst, int dstOffset, int count) throws IOException {
        if (start < 0 || count < 0 || start + count > tokenCount) {
            throw new IllegalArgumentException("start: tokens [" + start + ", " + (start + count) + ") are outside "
                    + path + "'s " + tokenCount + " tokens");
        }
        ByteBuffer buf = ByteBuffer.allocate(count * bytesPerToken).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, buf, HEADER_BYTES + start * bytesPerToken, path);
        for (int i = 0; i < count; i++) {
            long token = bytesPerToken == 2 ? Short.toUnsignedInt(buf.getShort())
                    : Integer.toUnsignedLong(buf.getInt());
            if (token > Integer.MAX_VALUE) {
                throw new IOException(path + ": token " + token + " at position " + (start + i)
                        + " exceeds the largest supported id " + Integer.MAX_VALUE);
            }
            dst[dstOffset + i] = (int) token;
        }
    }

    /**
     * A shard's largest token id and the CRC-32 of its token bytes.
     *
     * @param maxTokenId the largest token id in the shard, or -1 when it holds none
     * @param crc32      CRC-32 of the bytes after the header
     */
    public record Summary(long maxTokenId, long crc32) {
    }

    private record FileVersion(Path path, long size, long modified) {
    }

    private static final Map<FileVersion, Summary> SUMMARIES = new ConcurrentHashMap<>();

    /**
     * The shard's {@link Summary} from one sequential pass (read once per version of the file in a process: the
     * training stream and every evaluation reuse it).
     */
    public Summary summary() throws IOException {
        FileVersion version = new FileVersion(path.toAbsolutePath().normalize(), channel.size(),
                Files.getLastModifiedTime(path).toMillis());
        Summary known = SUMMARIES.get(version);
        if (known != null) {
            return known;
        }
        CRC32 crc = new CRC32();
        long max = -1;
        int chunkTokens = 1 << 18;
        ByteBuffer buf = ByteBuffer.allocateDirect(chunkTokens * bytesPerToken).order(ByteOrder.LITTLE_ENDIAN);
        short[] shorts = bytesPerToken == 2 ? new short[chunkTokens] : null;
        int[] ints = bytesPerToken == 4 ? new int[chunkTokens] : null;
        for (long start = 0; start < tokenCount; start += chunkTokens) {
            int n = (int) Math.min(chunkTokens, tokenCount - start);
            buf.clear().limit(n * bytesPerToken);
            readFully(channel, buf, HEADER_BYTES + start * bytesPerToken, path);
            crc.update(buf.duplicate());
            if (shorts != null) {
                buf.asShortBuffer().get(shorts, 0, n);
                int m = 0;
                for (int i = 0; i < n; i++) {
                    m = Math.max(m, shorts[i] & 0xFFFF);
                }
                max = Math.max(max, m);
            } else {
                buf.asIntBuffer().get(ints, 0, n);
                int m = Integer.MIN_VALUE;
                for (int i = 0; i < n; i++) {
                    // unsigned order: flipping the sign bit maps [0, 2^32) onto the signed range in order
                    m = Math.max(m, ints[i] ^ Integer.MIN_VALUE);
                }
                max = Math.max(max, Integer.toUnsignedLong(m ^ Integer.MIN_VALUE));
            }
        }
        Summary summary = new Summary(max, crc.getValue());
        SUMMARIES.put(version, summary);
        return summary;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return path.getFileName() + " (" + tokenCount + " tokens)";
    }
}
