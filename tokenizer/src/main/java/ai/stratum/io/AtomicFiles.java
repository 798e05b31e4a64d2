package ai.stratum.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Atomic file output for every module: write a temp file beside the target, fsync, rename. After a crash a reader
 * finds the old file or the new one, never half of one. Temp files start with a dot and end in {@link #TEMP_SUFFIX};
 * {@link #deleteTemps(Path)} sweeps the ones an interrupted run left.
 *
 * <p>It lives in the tokenizer module because that is the one module all others depend on.
 */
public final class AtomicFiles {
    public static final String TEMP_SUFFIX = ".tmp";
    private static final AtomicLong COUNTER = new AtomicLong();

    /** Writes a file's content through its channel. */
    @FunctionalInterface
    public interface ChannelWriter {
        void write(FileChannel channel) throws IOException;
    }

    /** Writes a file's content to a buffered stream; closing that stream is allowed and does not end the write. */
    @FunctionalInterface
    public interface StreamWriter {
        void write(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    /** An output stream to a temp file that becomes {@code target} on {@link Output#commit()}. */
    public static Output create(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createFile(uniqueSibling(dir, "." + target.getFileName(), TEMP_SUFFIX));
        try {
            return new Output(target, tmp, FileChannel.open(tmp, StandardOpenOption.WRITE));
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    public static void write(Path target, ChannelWriter writer) throws IOException {
        try (Output out = create(target)) {
            writer.write(out.channel());
            out.commit();
        } catch (IOException e) {
            throw named(target, e);
        }
    }

    /**
     * {@code e} with {@code target} in its message when the operating system's message names no file ({@code No
     * space left on device}, {@code Is a directory}), and what to do about a full disk. A
     * {@link java.nio.file.FileSystemException} names its file already and is returned as is.
     */
    public static IOException named(Path target, IOException e) {
        String m = String.valueOf(e.getMessage());
        if (e instanceof java.nio.file.FileSystemException || m.contains(target.toString())) {
            return e;
        }
        String hint = m.contains("No space left on device") ? "; the disk is full: free space on it or write to "
                + "another disk, then run again (an interrupted run continues with --resume)" : "";
        return new IOException(target + ": cannot be written: " + m + hint, e);
    }

    public static void writeStream(Path target, StreamWriter writer) throws IOException {
        try (Output out = create(target)) {
            OutputStream stream = out.stream();
            // Writers such as JSON generators close their stream; the channel must stay open for the fsync.
            writer.write(new FilterOutputStream(stream) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    stream.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    stream.flush();
                }
            });
            out.commit();
        } catch (IOException e) {
            throw named(target, e);
        }
    }

    public static void writeString(Path target, String text) throws IOException {
        writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
    }

    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, ch -> writeFully(ch, ByteBuffer.wrap(bytes)));
    }

    public static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** Deletes temp files left by an interrupted run anywhere under {@code dir}. */
    public static void deleteTemps(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.filter(AtomicFiles::isTemp).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static boolean isTemp(Path p) {
        String name = p.getFileName().toString();
        return name.startsWith(".") && name.endsWith(TEMP_SUFFIX) && Files.isRegularFile(p);
    }

    /**
     * A name in {@code dir} that no other writer uses: process id, time and a counter. Files and directories made
     * with it get the umask's default permissions (unlike {@code Files.createTempFile}'s owner-only ones), so an
     * output is as readable as any other file.
     */
    public static Path uniqueSibling(Path dir, String prefix, String suffix) {
        return dir.resolve(prefix + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + "-"
                + COUNTER.incrementAndGet() + suffix);
    }

    public static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Makes a directory's entries (new files, renames) durable. */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems cannot open a directory for reading; the rename is then as durable as they allow.
            if (!Files.isDirectory(dir)) {
                throw e;
            }
        }
    }

    /** A temp file being written; closing it without {@link #commit()} deletes it and leaves the target alone. */
    public static final class Output implements AutoCloseable {
        private final Path target;
        private final Path tmp;
        private final FileChannel channel;
        private final OutputStream stream;
        private boolean done;

        private Output(Path target, Path tmp, FileChannel channel) {
            this.target = target;
            this.tmp = tmp;
            this.channel = channel;
            this.stream = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        }

        /** Buffered already. Do not close it: commit or close the Output. */
        public OutputStream stream() {
            return stream;
        }

        /** The channel, with everything written to {@link #stream()} so far flushed into it. */
        public FileChannel channel() throws IOException {
            stream.flush();
            return channel;
        }

        public void commit() throws IOException {
            if (done) {
                throw new IllegalStateException("commit: " + target + " was already committed or closed");
            }
            stream.flush();
            channel.force(true);
            channel.close();
            moveAtomically(tmp, target);
            done = true;
        }

        @Override
        public void close() throws IOException {
            if (!done) {
                done = true;
                channel.close();
                Files.deleteIfExists(tmp);
            }
        }
    }
}
