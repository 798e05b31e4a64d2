package ai.stratum.data.shard;

import ai.stratum.io.AtomicFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes a token stream into llm.c shards of {@code shardTokens} tokens each (the last one shorter), named
 * {@code <name>_<split>_<NNNNNN>.bin}. A document may continue from one shard into the next, as in llm.c's
 * {@code fineweb.py}. Each shard is written atomically; its header is patched with the final count on close.
 */
public final class ShardWriter implements AutoCloseable {
    /** One written shard as the manifest lists it. */
    public record ShardInfo(String file, String split, long tokens, String sha256) {
    }

    private final Path dir;
    private final String name;
    private final String split;
    private final long shardTokens;
    private final int tokenBytes;
    private final List<ShardInfo> written = new ArrayList<>();
    private final ByteBuffer buffer;
    private AtomicFiles.Output current;
    private Path currentPath;
    private long inCurrent;

    public ShardWriter(Path dir, String name, String split, long shardTokens, int tokenBytes) {
        if (shardTokens < 1 || shardTokens > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shard_tokens: must be in 1..2^31-1, got " + shardTokens);
        }
        this.dir = dir;
        this.name = name;
        this.split = split;
        this.shardTokens = shardTokens;
        this.tokenBytes = tokenBytes;
        this.buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    }

    public void write(int[] tokens, int from, int to) throws IOException {
        for (int i = from; i < to; i++) {
            if (current == null) {
                open();
            }
            if (buffer.remaining() < tokenBytes) {
                flushBuffer();
            }
            int t = tokens[i];
            if (tokenBytes == 2) {
                if ((t & ~0xFFFF) != 0) {
                    throw new IllegalArgumentException("token id " + t + " does not fit a uint16 shard");
                }
                buffer.putShort((short) t);
            } else {
                buffer.putInt(t);
            }
            if (++inCurrent == shardTokens) {
                finishShard();
            }
        }
    }

    private void open() throws IOException {
        currentPath = dir.resolve(String.format("%s_%s_%06d.bin", name, split, written.size()));
        current = AtomicFiles.create(currentPath);
        inCurrent = 0;
        var header = TokenShardFormat.header(tokenBytes, 0);
        current.stream().write(header.array());
    }

    private void flushBuffer() throws IOException {
        buffer.flip();
        current.stream().write(buffer.array(), 0, buffer.limit());
        buffer.clear();
    }

    private void finishShard() throws IOException {
        flushBuffer();
        var ch = current.channel();
        ByteBuffer header = TokenShardFormat.header(tokenBytes, inCurrent);
        long at = 0;
        while (header.hasRemaining()) {
            at += ch.write(header, at);
        }
        current.commit();
        current.close();
        written.add(new ShardInfo(currentPath.getFileName().toString(), split, inCurrent, sha256(currentPath)));
        current = null;
    }

    /** Finishes the last shard; returns every shard written, in order. */
    public List<ShardInfo> finish() throws IOException {
        if (current != null && inCurrent > 0) {
            finishShard();
        }
        return List.copyOf(written);
    }

    @Override
    public void close() throws IOException {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
