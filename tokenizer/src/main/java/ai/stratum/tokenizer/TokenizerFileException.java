package ai.stratum.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** A tokenizer file that is missing, unreadable or malformed; the message names the file and what is wrong. */
public final class TokenizerFileException extends UncheckedIOException {
    private final transient Path file;

    public TokenizerFileException(Path file, String problem, Throwable cause) {
        // The cause carries the full message too: callers often report an UncheckedIOException by its cause.
        super(file + ": " + problem, new IOException(file + ": " + problem, cause));
        this.file = file;
    }

    public TokenizerFileException(Path file, String problem) {
        this(file, problem, null);
    }

    public Path file() {
        return file;
    }
}
