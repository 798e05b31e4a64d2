package ai.stratum.io;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * One writer per output directory (a training run, a {@code data prepare --out}): an OS lock on the file
 * {@value #FILE} inside it, which the operating system releases when the holding process exits or is killed, so a
 * crashed run never leaves a stale lock. The holder writes its pid, host and start time into the file, and a
 * second writer is refused with them.
 *
 * <p>Within one process the lock is re-entrant (a CLI command takes it before writing its config, the trainer
 * again around the loop): the OS lock belongs to the process, and a second {@code tryLock} from the same process
 * would throw instead of reporting the holder.
 */
public final class RunDirLock implements AutoCloseable {

    public static final String FILE = ".stratum.lock";

    /** The directory is held by another process; the message names it. An {@link IOException}: exit code 2. */
    public static final class HeldException extends IOException {
        public HeldException(String message) {
            super(message);
        }
    }

    private static final Map<Path, RunDirLock> HELD = new HashMap<>();

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;
    private int holds = 1;

    private RunDirLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code dir} (created if missing) for this process, or throws {@link HeldException} naming the process
     * that holds it. Close the result to release it.
     */
    public static RunDirLock acquire(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException(dir + ": is a file, but an output directory is expected here; choose another "
                    + "directory");
        }
        Files.createDirectories(dir);
        Path key = dir.toRealPath();
        synchronized (HELD) {
            RunDirLock held = HELD.get(key);
            if (held != null) {
                held.holds++;
                return held;
            }
            Path file = key.resolve(FILE);
            if (Files.isDirectory(file)) {
                throw new IOException(file + ": is a directory but must be the run's lock file; remove it");
            }
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            try {
                FileLock lock = channel.tryLock();
                if (lock == null) {
                    throw new HeldException(dir + " is in use by another process (" + holder(channel) + "); wait for "
                            + "it to finish or stop it, or use another directory. The lock is the operating system's "
                            + "and ends with that process: never delete " + FILE + " to get around it");
                }
                byte[] me = describeThisProcess().getBytes(StandardCharsets.UTF_8);
                channel.truncate(0);
                AtomicFiles.writeFully(channel.position(0), ByteBuffer.wrap(me));
                channel.force(true);
                RunDirLock created = new RunDirLock(key, channel, lock);
                HELD.put(key, created);
                return created;
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }
    }

    /** What the holder wrote, on one line; empty while it is still writing it. */
    private static String holder(FileChannel channel) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(channel.size(), 4096));
        while (buf.hasRemaining()) {
            if (channel.read(buf, buf.position()) <= 0) {
                break;
            }
        }
        String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
        return text.isEmpty() ? "which one is not yet written in " + FILE : text.replace('\n', ' ');
    }

    private static String describeThisProcess() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown-host";
        }
        Instant start = ProcessHandle.current().info().startInstant().orElse(Instant.now());
        return "pid " + ProcessHandle.current().pid() + " on " + host + ", started " + start + "\n";
    }

    @Override
    public void close() throws IOException {
        synchronized (HELD) {
            if (--holds > 0) {
                return;
            }
            HELD.remove(key);
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }
}
