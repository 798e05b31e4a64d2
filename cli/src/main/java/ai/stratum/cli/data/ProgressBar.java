package ai.stratum.cli.data;

import ai.stratum.data.run.Progress;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Prints the pipeline's progress to stderr every interval: phase, shards done, documents/s and MB/s. */
final class ProgressBar implements AutoCloseable {
    private final Progress progress;
    private final PrintWriter err;
    private final ScheduledExecutorService timer;
    private final long start = System.nanoTime();

    ProgressBar(Progress progress, PrintWriter err, long millis) {
        this.progress = progress;
        this.err = err;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "progress");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::print, millis, millis, TimeUnit.MILLISECONDS);
    }

    private void print() {
        double seconds = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        err.printf(Locale.ROOT, "\r[%-6s %d/%d] %,d docs  %,.0f docs/s  %.1f MB  %.1f MB/s   ", progress.phase(),
                progress.shardsDone(), progress.shards(), progress.documents(), progress.documents() / seconds,
                progress.bytes() / 1e6, progress.bytes() / 1e6 / seconds);
        err.flush();
    }

    /** Prints the final state, unless nothing was read (a run that failed at once, or was already finished). */
    @Override
    public void close() {
        timer.shutdownNow();
        if (progress.documents() > 0) {
            print();
            err.println();
            err.flush();
        }
    }
}
