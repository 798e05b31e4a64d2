package ai.stratum.generate;

import ai.stratum.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * The output of a synthetic-data run, appended one finished answer at a time so that a killed run resumes: each
 * line is written whole with one write, then the file is fsynced, so a crash leaves at most one partial line at
 * the end. Opening an existing file truncates such a partial line (the bytes after the last newline) and collects
 * the ids already answered, so a rerun skips them.
 */
public final class AnswerLog implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final Set<String> done = new HashSet<>();
    private final long truncatedBytes;

    /** Opens (or creates) {@code file} for appending. */
    public AnswerLog(Path file) throws IOException {
        this.file = file;
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            long complete = scan();
            truncatedBytes = channel.size() - complete;
            if (truncatedBytes > 0) {
                channel.truncate(complete);
                channel.force(true);
            }
            channel.position(complete);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Reads the complete lines' ids; returns the length of the file up to its last newline. */
    private long scan() throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int start = 0;
        long lineNo = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '\n') {
                continue;
            }
            lineNo++;
            String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
            start = i + 1;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": not a JSON line of a generate run ("
                        + e.getMessage().lines().findFirst().orElse("") + "); pass a new --out file or remove the "
                        + "line");
            }
            JsonNode id = node == null ? null : node.get("id");
            if (id == null || !(id.isTextual() || id.isIntegralNumber())) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": has no 'id'; this is not the output "
                        + "of a generate run: pass a new --out file");
            }
            done.add(id.toString());
        }
        return start;
    }

    /** Ids (as JSON text, {@link PromptFile.Entry#key()}) already answered in the file. */
    public Set<String> done() {
        return Set.copyOf(done);
    }

    /** Bytes of a partial last line removed on open (0 when the file ended cleanly). */
    public long truncatedBytes() {
        return truncatedBytes;
    }

    /** Appends one JSON object as a line, then fsyncs. */
    public void append(JsonNode line) throws IOException {
        byte[] bytes = (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFiles.writeFully(channel, ByteBuffer.wrap(bytes));
        channel.force(false);
        done.add(line.get("id").toString());
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
