package ai.stratum.io;

import ai.stratum.fixtures.process.ChildJvm;

import java.nio.file.Path;

/**
 * A second process for {@link RunDirLockTest} and the CLI's lock tests: locks {@code DIR}, prints {@code locked}
 * and waits to be killed. Arguments: {@code DIR}.
 */
public final class RunDirLockHolder {

    private RunDirLockHolder() {
    }

    public static void main(String[] args) throws Exception {
        RunDirLock lock = RunDirLock.acquire(Path.of(args[0]));
        System.out.println("locked");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
        lock.close();
    }

    /** Starts a holder of {@code dir} and returns once it holds the lock. */
    public static Process start(Path dir) throws Exception {
        return ChildJvm.startAndAwait("locked", RunDirLockHolder.class, "64m", dir.toString());
    }
}
