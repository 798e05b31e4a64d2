package ai.stratum.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Atomic file output: write a temp file beside the target, fsync, rename. After a crash a reader finds the old
 * file or the new one, never half of one; leftover temp files end in {@code .tmp} and are swept by
 * {@link #deleteTemps(Path)}.
 */
public final class AtomicFiles {
    public static final String TEMP_SUFFIX = ".tmp";

    private AtomicFiles() {
    }

    /** An output stream to a temp file that becomes {@code target} on {@link Output#commit()}. */
    public static Output create(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + target.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Thread.currentThread().getId() + TEMP_SUFFIX);
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        return new Output(target, tmp, ch);
    }

    public static void writeString(Path target, String text) throws IOException {
        writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
    }

    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        try (Output out = create(target)) {
            out.stream().write(bytes);
            out.commit();
        }
    }

    /** Deletes temp files left by an interrupted run anywhere under {@code dir}. */
    public static void deleteTemps(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.filter(p -> p.getFileName().toString().endsWith(TEMP_SUFFIX)).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A temp file being written; closing without {@link #commit()} deletes it. */
    public static final class Output implements AutoCloseable {
        private final Path target;
        private final Path tmp;
        private final FileChannel channel;
        private final OutputStream stream;
        private boolean committed;

        private Output(Path target, Path tmp, FileChannel channel) {
            this.target = target;
            this.tmp = tmp;
            this.channel = channel;
            this.stream = new java.io.BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        }

        /** Unbuffered callers may wrap this; it is buffered already. Do not close it: commit or close the Output. */
        public OutputStream stream() {
            return stream;
        }

        public FileChannel channel() throws IOException {
            stream.flush();
            return channel;
        }

        public void commit() throws IOException {
            stream.flush();
            channel.force(true);
            channel.close();
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            committed = true;
        }

        @Override
        public void close() throws IOException {
            if (!committed) {
                channel.close();
                Files.deleteIfExists(tmp);
            }
        }
    }
}
