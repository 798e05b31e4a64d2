package ai.stratum.data.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs the stages in this JVM: splits in parallel on a pool of {@code threads} split workers, and inside each
 * split batches of documents on a step pool of {@code threads} (results written in input order); dedup's
 * clusters and the final shards in one task each. Output does not depend on the thread count.
 */
public final class LocalExecutor implements Executor {
    @Override
    public DataPipeline.Result run(Stages stages) throws IOException {
        RunContext ctx = stages.ctx;
        ctx.prepare();
        List<InputSplit> splits = InputSplit.of(ctx.recipe);
        int threads = ctx.threads();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, splits.size())));
        ExecutorService stepPool = Executors.newFixedThreadPool(threads);
        try {
            long t = System.nanoTime();
            ctx.progress.phase("filter", splits.size());
            forEach(ctx, pool, splits, s -> stages.filter.run(s, s.file(), stepPool, threads));
            t = lap(ctx, "filter", t);
            ctx.progress.phase("dedup", 1);
            stages.dedup.runLocal(splits, stages.filter);
            t = lap(ctx, "dedup", t);
            ctx.progress.phase("tokens", splits.size());
            forEach(ctx, pool, splits, s -> stages.tokens.run(s, stepPool, threads));
            t = lap(ctx, "tokens", t);
            if (stages.documents.parquet()) {
                ctx.progress.phase("documents", splits.size());
                List<String> keys = DocumentOutputs.metadataKeys(stages.shards.mergedStats(splits));
                forEach(ctx, pool, splits, s -> stages.documents.writeParquet(s, keys));
                lap(ctx, "documents", t);
            }
            ctx.progress.phase("final", 1);
            return stages.shards.run(splits);
        } finally {
            // after a failure, let the other splits' tasks stop before returning: no writes after run() ends
            pool.shutdownNow();
            stepPool.shutdownNow();
            try {
                pool.awaitTermination(10, TimeUnit.MINUTES);
                stepPool.awaitTermination(10, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static long lap(RunContext ctx, String phase, long since) {
        long now = System.nanoTime();
        ctx.phaseNanos.put(phase, now - since);
        return now;
    }

    private interface SplitTask {
        void run(InputSplit split) throws IOException;
    }

    private static void forEach(RunContext ctx, ExecutorService pool, List<InputSplit> splits, SplitTask task)
            throws IOException {
        List<Future<?>> futures = new ArrayList<>();
        for (InputSplit s : splits) {
            futures.add(pool.submit(() -> {
                try {
                    task.run(s);
                    ctx.progress.shardDone();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } catch (ExecutionException e) {
                futures.forEach(x -> x.cancel(true));
                Throwable cause = e.getCause();
                if (cause instanceof UncheckedIOException u) {
                    throw u.getCause();
                }
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IOException(cause);
            }
        }
    }
}
