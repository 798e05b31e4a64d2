package ai.stratum.cli.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Input from a file or stdin ("-"), output to a file (written atomically) or stdout. */
final class Io {
    private Io() {
    }

    static byte[] readAll(Path input) throws IOException {
        if (input == null || input.toString().equals("-")) {
            InputStream in = System.in;
            return in.readAllBytes();
        }
        return Files.readAllBytes(input);
    }

    static String sourceName(Path input) {
        return input == null || input.toString().equals("-") ? "<stdin>" : input.toString();
    }

    /**
     * Writes to the file atomically (temp file, fsync, rename), or to stdout when output is null or "-":
     * text through the command's writer, binary to the process's standard output.
     */
    static void write(Path output, byte[] data, boolean text, PrintWriter stdout) throws IOException {
        if ((output == null || output.toString().equals("-")) && text) {
            stdout.print(new String(data, java.nio.charset.StandardCharsets.UTF_8));
            stdout.flush();
            return;
        }
        if (output == null || output.toString().equals("-")) {
            stdout.flush();
            OutputStream out = System.out;
            out.write(data);
            out.flush();
            return;
        }
        Path dir = output.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + output.getFileName(), ".tmp");
        try {
            if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                // Temp files are created private (rw-------); the result is an ordinary shareable file.
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
            try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(data);
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
                channel.force(true);
            }
            Files.move(tmp, output, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
