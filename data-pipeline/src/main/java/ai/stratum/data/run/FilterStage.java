package ai.stratum.data.run;

import ai.stratum.data.Document;
import ai.stratum.data.Reject;
import ai.stratum.data.StepStats;
import ai.stratum.data.dedup.DocSignature;
import ai.stratum.data.dedup.ExactHash;
import ai.stratum.data.read.DocumentReader;
import ai.stratum.data.read.DocumentSink;
import ai.stratum.data.step.DocumentStep;
import ai.stratum.data.step.StepChain;
import ai.stratum.io.AtomicFiles;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * Stages 1-2 and the first dedup stage, per input split: read the file, run the per-document steps, and compute
 * each survivor's dedup signature. Writes {@code work/filter/NNNNNN.docs.jsonl} (survivors in input order),
 * {@code .sig} (their signatures), {@code rejects/filter-NNNNNN.jsonl}, {@code .stats.json}, then the
 * {@code .done} marker. The per-document work is a pure function of a batch ({@link #apply}), so it can run on
 * a thread pool, or inline in a distributed task.
 */
public final class FilterStage {
    private static final int BATCH_ITEMS = 64;
    private static final long BATCH_BYTES = 4L << 20;

    private final RunContext ctx;
    private final ThreadLocal<List<DocumentStep>> steps;

    public FilterStage(RunContext ctx) {
        this.ctx = ctx;
        this.steps = ThreadLocal.withInitial(() -> Steps.filters(ctx.recipe.filters(), ctx.recipe.seed()));
    }

    /** A record read from an input: a document for the steps, or a reader's reject. */
    record Item(Document doc, Reject reject) {
    }

    /** One processed batch, serialized by the worker so that the split's thread only writes bytes. */
    record Batch(byte[] docs, byte[] sigs, byte[] rejects, List<StepStats> stats) {
    }

    /** The per-document steps over a batch: survivors, their signatures, rejects and counters. */
    Batch apply(List<Item> items) {
        StepChain chain = new StepChain(steps.get());
        ByteArrayOutputStream docs = new ByteArrayOutputStream();
        ByteArrayOutputStream sigs = new ByteArrayOutputStream();
        ByteArrayOutputStream rejects = new ByteArrayOutputStream();
        DataOutputStream sigOut = new DataOutputStream(sigs);
        boolean signatures = ctx.recipe.dedup().exact() || ctx.recipe.dedup().minhash();
        try {
            for (Item item : items) {
                if (item.reject() != null) {
                    ctx.writeReject(rejects, item.reject());
                    continue;
                }
                Document result = chain.apply(item.doc(), r -> ctx.writeReject(rejects, r));
                if (result != null) {
                    WorkFiles.writeDocument(docs, result);
                    if (signatures) {
                        WorkFiles.writeSignature(sigOut, signature(result.id(), chain.dedupText()));
                    }
                }
            }
            sigOut.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Batch(docs.toByteArray(), sigs.toByteArray(), rejects.toByteArray(), chain.stats());
    }

    /**
     * Dedup stage "signatures": the exact hash and the MinHash band keys of a surviving document, computed on
     * {@code text}, its text before line-level filters ({@link ai.stratum.data.step.StepChain#dedupText()}).
     */
    DocSignature signature(String id, String text) {
        long[] exact = ctx.recipe.dedup().exact() ? ExactHash.of(text) : new long[2];
        int[] sig = ctx.recipe.dedup().minhash() ? ctx.minHash.signature(text) : null;
        return new DocSignature(0, id, exact[0], exact[1], sig == null ? null : ctx.minHash.bandKeys(sig));
    }

    public Path signatures(int split) {
        return ctx.workFile("filter", InputSplit.stem(split) + ".sig");
    }

    public Path documents(int split) {
        return ctx.workFile("filter", InputSplit.stem(split) + ".docs.jsonl");
    }

    /**
     * Runs one split unless its marker exists. {@code pool} runs the batches ({@code threads} of them in flight
     * per worker); null runs them on this thread.
     */
    public void run(InputSplit s, Path file, ExecutorService pool, int threads) throws IOException {
        Path done = ctx.done("filter", s.index());
        if (Files.exists(done)) {
            return;
        }
        DocumentReader reader = Steps.reader(s.input());
        StepStats readStats = new StepStats(reader.name());
        RunStats stepStats = new RunStats();
        long t0 = System.nanoTime();
        try (AtomicFiles.Output docs = AtomicFiles.create(documents(s.index()));
             AtomicFiles.Output sigs = AtomicFiles.create(signatures(s.index()));
             AtomicFiles.Output rejects = AtomicFiles.create(ctx.out.resolve("rejects").resolve("filter-"
                     + s.stem() + ".jsonl"));
             OrderedBatches<Item, Batch> batches = new OrderedBatches<>(pool, threads, BATCH_ITEMS, BATCH_BYTES,
                     this::apply, b -> {
                 docs.stream().write(b.docs());
                 sigs.stream().write(b.sigs());
                 rejects.stream().write(b.rejects());
                 stepStats.add(b.stats());
             })) {
            long[] seenBytes = {0};
            DocumentSink sink = new DocumentSink() {
                @Override
                public void accept(Document doc) {
                    add(new Item(doc, null));
                }

                @Override
                public void reject(Reject reject) {
                    add(new Item(null, reject));
                }

                private void add(Item item) {
                    long delta = readStats.bytesIn() - seenBytes[0];
                    seenBytes[0] = readStats.bytesIn();
                    ctx.progress.read(delta);
                    try {
                        batches.add(item, Math.max(1, delta));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };
            try {
                reader.read(file, s.input().name(), sink, readStats);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            batches.finish();
            docs.commit();
            sigs.commit();
            rejects.commit();
        }
        ctx.addPhaseNanos("filter_shards", System.nanoTime() - t0);
        List<StepStats> stats = new ArrayList<>();
        stats.add(readStats);
        stats.addAll(stepStats.list());
        WorkFiles.writeStats(ctx.workFile("filter", s.stem() + ".stats.json"), stats);
        AtomicFiles.writeString(done, "");
        ctx.checkpoint.completed("filter", s.index());
    }
}
