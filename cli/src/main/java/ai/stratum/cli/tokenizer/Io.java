package ai.stratum.cli.tokenizer;

import ai.stratum.io.AtomicFiles;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Input from a file or stdin (none or "-"), output to a file (written atomically) or stdout. */
final class Io {
    private Io() {
    }

    private static boolean isStd(Path path) {
        return path == null || path.toString().equals("-");
    }

    static byte[] readAll(Path input) throws IOException {
        return isStd(input) ? System.in.readAllBytes() : Files.readAllBytes(input);
    }

    /**
     * UTF-8 text; malformed bytes stop the read naming the input and byte offset, or become U+FFFD when
     * {@code replace} ({@code --errors replace}).
     */
    static Reader reader(Path input, boolean replace) throws IOException {
        InputStream in = isStd(input) ? System.in : Files.newInputStream(input);
        return ai.stratum.tokenizer.Utf8Input.reader(in, sourceName(input), replace);
    }

    static String sourceName(Path input) {
        return isStd(input) ? "<stdin>" : input.toString();
    }

    /**
     * A command's output: a file written through a temp file beside it, fsynced and renamed on
     * {@link #commit()} (a reader never sees half of it, and a failed run leaves no file); or stdout, text
     * through the command's writer and binary to the process's standard output.
     */
    static final class Output implements Closeable {
        private final PrintWriter textOut;
        private final OutputStream binaryOut;
        private final AtomicFiles.Output file;
        private final Path target;

        private Output(PrintWriter textOut, OutputStream binaryOut, AtomicFiles.Output file, Path target) {
            this.textOut = textOut;
            this.binaryOut = binaryOut;
            this.file = file;
            this.target = target;
        }

        static Output open(Path output, boolean text, PrintWriter stdout) throws IOException {
            if (isStd(output)) {
                stdout.flush();
                return text ? new Output(stdout, null, null, null) : new Output(null, System.out, null, null);
            }
            return new Output(null, null, AtomicFiles.create(output), output);
        }

        void write(byte[] data) {
            try {
                if (textOut != null) {
                    textOut.print(new String(data, StandardCharsets.UTF_8));
                } else if (binaryOut != null) {
                    binaryOut.write(data);
                } else {
                    file.stream().write(data);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(new IOException((target == null ? "<stdout>" : target) + ": cannot write: " + e.getMessage(), e));
            }
        }

        void commit() throws IOException {
            if (textOut != null) {
                textOut.flush();
            } else if (binaryOut != null) {
                binaryOut.flush();
            } else {
                file.commit();
            }
        }

        @Override
        public void close() throws IOException {
            if (file != null) {
                file.close();
            }
        }
    }
}
