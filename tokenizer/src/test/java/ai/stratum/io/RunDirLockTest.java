package ai.stratum.io;

import ai.stratum.fixtures.process.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two processes against one directory: the second is refused with the first's pid, until the first is killed. */
class RunDirLockTest {

    @TempDir
    Path tmp;

    @Test
    void aSecondProcessIsRefusedUntilTheHolderDies() throws Exception {
        Path dir = tmp.resolve("run");
        Process holder = RunDirLockHolder.start(dir);
        try {
            RunDirLock.HeldException e = assertThrows(RunDirLock.HeldException.class, () -> RunDirLock.acquire(dir));
            assertTrue(e.getMessage().contains("pid " + holder.pid() + " on "), e.getMessage());
            assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
            assertTrue(Files.readString(dir.resolve(RunDirLock.FILE)).startsWith("pid " + holder.pid()));
        } finally {
            holder.destroyForcibly();
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        // SIGKILL: the process could not clean up; the OS released its lock
        try (RunDirLock lock = RunDirLock.acquire(dir)) {
            assertTrue(Files.readString(dir.resolve(RunDirLock.FILE))
                    .startsWith("pid " + ProcessHandle.current().pid() + " on "));
        }
    }

    @Test
    void reentrantWithinAProcessAndReleasedByTheLastClose() throws Exception {
        Path dir = tmp.resolve("run");
        RunDirLock outer = RunDirLock.acquire(dir);
        RunDirLock inner = RunDirLock.acquire(dir);
        inner.close();
        Process holder = null;
        try {
            holder = new ProcessBuilder(ChildJvm.command(RunDirLockHolder.class, "64m", dir.toString()))
                    .redirectErrorStream(true).start();
            assertTrue(holder.waitFor(60, TimeUnit.SECONDS), "the second process should fail at once");
            String out = new String(holder.getInputStream().readAllBytes());
            assertTrue(out.contains("pid " + ProcessHandle.current().pid()), out);
        } finally {
            outer.close();
            if (holder != null) {
                holder.destroyForcibly();
            }
        }
        Process after = RunDirLockHolder.start(dir);
        after.destroyForcibly();
        after.waitFor();
    }

    @Test
    void aFileWhereTheDirectoryShouldBeIsNamed() throws Exception {
        Path file = Files.writeString(tmp.resolve("run"), "x");
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> RunDirLock.acquire(file));
        assertTrue(e.getMessage().startsWith(file + ": is a file, but an output directory is expected here"),
                e.getMessage());
    }
}
