package ai.stratum.data.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Parallelism inside one shard with output in input order: items are grouped into batches, each batch is
 * processed on a pool, and results are handed to a writer in submission order. At most {@code maxInFlight}
 * batches wait, which bounds memory. Without a pool, batches are processed on the calling thread (a task of a
 * distributed executor, which gets its parallelism from running many tasks).
 */
final class OrderedBatches<I, O> implements AutoCloseable {
    /** Consumes one batch result on the submitting thread. */
    interface Writer<O> {
        void write(O result) throws IOException;
    }

    private final ExecutorService pool;
    private final Function<List<I>, O> process;
    private final Writer<O> writer;
    private final int batchItems;
    private final long batchWeight;
    private final int maxInFlight;
    private final Deque<Future<O>> inFlight = new ArrayDeque<>();
    private List<I> batch = new ArrayList<>();
    private long weight;

    OrderedBatches(ExecutorService pool, int threads, int batchItems, long batchWeight, Function<List<I>, O> process,
                   Writer<O> writer) {
        this.pool = pool;
        this.process = process;
        this.writer = writer;
        this.batchItems = batchItems;
        this.batchWeight = batchWeight;
        this.maxInFlight = 2 * Math.max(1, threads);
    }

    /** Adds an item of the given weight (e.g. bytes); may block writing finished batches. */
    void add(I item, long itemWeight) throws IOException {
        batch.add(item);
        weight += itemWeight;
        if (batch.size() >= batchItems || weight >= batchWeight) {
            submit();
        }
        while (inFlight.size() > maxInFlight) {
            writeHead();
        }
    }

    private void submit() {
        if (batch.isEmpty()) {
            return;
        }
        List<I> b = batch;
        batch = new ArrayList<>();
        weight = 0;
        if (pool == null) {
            inFlight.add(java.util.concurrent.CompletableFuture.completedFuture(process.apply(b)));
        } else {
            inFlight.add(pool.submit(() -> process.apply(b)));
        }
    }

    private void writeHead() throws IOException {
        Future<O> head = inFlight.poll();
        try {
            writer.write(head.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
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

    /** Processes what is left and writes every result. */
    void finish() throws IOException {
        submit();
        while (!inFlight.isEmpty()) {
            writeHead();
        }
    }

    /** On failure: cancels batches not yet written. */
    @Override
    public void close() {
        inFlight.forEach(f -> f.cancel(true));
        inFlight.clear();
    }
}
