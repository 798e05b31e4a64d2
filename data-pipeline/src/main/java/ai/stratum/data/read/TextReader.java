package ai.stratum.data.read;

import ai.stratum.data.Document;
import ai.stratum.data.Reject;
import ai.stratum.data.StepStats;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Plain text files ({@code .txt}, optionally {@code .gz}/{@code .zst}): each file is one document whose id is
 * the file name. Rejects: {@code invalid_utf8} (with the byte offset), {@code truncated_input}.
 */
public final class TextReader implements DocumentReader {
    private final long maxBytes;

    /** @param maxBytes files larger than this are rejected ({@code too_large}) to keep memory bounded */
    public TextReader(long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("max_bytes: must be positive, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    @Override
    public String name() {
        return "read_text";
    }

    @Override
    public void read(Path file, String source, DocumentSink sink, StepStats stats) throws IOException {
        String label = file.getFileName().toString();
        String id = Compression.baseName(file);
        byte[] bytes;
        try (InputStream in = Compression.open(file)) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        } catch (IOException e) {
            if (!java.nio.file.Files.exists(file)) {
                throw e;
            }
            stats.in(0);
            stats.dropped("truncated_input");
            sink.reject(new Reject(id, source, name(), "truncated_input",
                    label + ": input ends early or is corrupt (" + e.getMessage() + ")", ""));
            return;
        }
        if (bytes.length == 0) {
            stats.count("empty_files", 1);
            return;
        }
        stats.in(bytes.length);
        if (bytes.length > maxBytes) {
            stats.dropped("too_large");
            sink.reject(new Reject(id, source, name(), "too_large",
                    label + ": larger than max_bytes=" + maxBytes, ""));
            return;
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            stats.dropped("invalid_utf8");
            sink.reject(new Reject(id, source, name(), "invalid_utf8",
                    label + ": not valid UTF-8 at byte " + firstInvalid(bytes), ""));
            return;
        }
        Document doc = new Document(id, text, source);
        stats.kept(bytes.length);
        sink.accept(doc);
    }

    private static int firstInvalid(byte[] bytes) {
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        var out = java.nio.CharBuffer.allocate(bytes.length + 1);
        var result = decoder.decode(in, out, true);
        return result.isError() ? in.position() : -1;
    }
}
