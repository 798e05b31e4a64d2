package ai.stratum.io;

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
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                RunDirLockHolder.class.getName(), dir.toString()).redirectErrorStream(true).start();
        String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
        if (!"locked".equals(line)) {
            p.destroyForcibly();
            throw new IllegalStateException("the lock holder did not start: " + line);
        }
        return p;
    }
}
