package ai.stratum.data.run;

import ai.stratum.data.StepStats;
import ai.stratum.data.dedup.DedupIndex;
import ai.stratum.data.dedup.DocSignature;
import ai.stratum.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Dedup stages "buckets", "clusters" and the removal list of stage "filter", over the signatures of every split
 * ({@link FilterStage} computed them). The rule, which every executor must follow to give the same output:
 *
 * <ol>
 *   <li>exact: of documents with the same exact hash, the one with the smallest key stays; the others are
 *       {@code exact_duplicate} and take no further part;</li>
 *   <li>buckets: documents that remain and share a band key in the same band are joined; clusters are the
 *       connected components of these joins;</li>
 *   <li>each cluster keeps its smallest key; the others are {@code minhash_duplicate}; an exact duplicate's
 *       kept document is the one its exact twin's cluster keeps.</li>
 * </ol>
 *
 * <p>The local executor does this in one task with a union-find ({@link DedupIndex}); the Spark executor with
 * reduceByKey, groupByKey and a distributed connected-components. Both end here: {@link #write} stores, per
 * split, the ordinals removed with their reason and kept id ({@code work/dedup/NNNNNN.removed}), which
 * {@link TokenizeStage} drops.
 */
public final class DedupStage {
    private final RunContext ctx;

    public DedupStage(RunContext ctx) {
        this.ctx = ctx;
    }

    public boolean isDone() {
        return Files.exists(ctx.workFile("dedup", "dedup.done"));
    }

    /** Runs the rule in this JVM over every split's signatures, unless done. */
    public void runLocal(List<InputSplit> splits, FilterStage filter) throws IOException {
        if (isDone()) {
            return;
        }
        long t0 = System.nanoTime();
        DedupIndex index = new DedupIndex();
        Map<Long, String> ids = new HashMap<>();
        if (ctx.recipe.dedup().exact() || ctx.recipe.dedup().minhash()) {
            for (InputSplit s : splits) {
                for (DocSignature sig : WorkFiles.readSignatures(filter.signatures(s.index()), s.index())) {
                    index.add(sig.key(), sig.exactHi(), sig.exactLo(), sig.bands());
                    ids.put(sig.key(), sig.id());
                }
            }
        }
        List<DedupIndex.Removal> removals = index.removals(ctx.recipe.dedup().exact(), ctx.recipe.dedup().minhash());
        Map<Integer, List<WorkFiles.Removed>> bySplit = new TreeMap<>();
        for (DedupIndex.Removal r : removals) {
            bySplit.computeIfAbsent((int) (r.key() >>> 32), k -> new ArrayList<>())
                    .add(new WorkFiles.Removed((int) r.key(), r.reason(), ids.get(r.keptKey())));
        }
        write(splits, bySplit, index.size(), System.nanoTime() - t0);
    }

    /**
     * Stores the removals (per split, sorted by ordinal) and the dedup counters, then the marker.
     *
     * @param documents how many documents had signatures
     */
    public void write(List<InputSplit> splits, Map<Integer, List<WorkFiles.Removed>> bySplit, long documents,
                      long nanos) throws IOException {
        Map<String, Long> reasons = new TreeMap<>();
        for (InputSplit s : splits) {
            List<WorkFiles.Removed> list = bySplit.getOrDefault(s.index(), List.of());
            list.forEach(r -> reasons.merge(r.reason(), 1L, Long::sum));
            writeRemoved(s.index(), list);
        }
        finish(documents, reasons, nanos);
    }

    /** One split's removals, in any order: {@code work/dedup/NNNNNN.removed}, sorted by ordinal. */
    public void writeRemoved(int split, List<WorkFiles.Removed> removed) throws IOException {
        List<WorkFiles.Removed> list = new ArrayList<>(removed);
        list.sort((a, b) -> Integer.compare(a.ordinal(), b.ordinal()));
        WorkFiles.writeRemoved(ctx.workFile("dedup", InputSplit.stem(split) + ".removed"), list);
    }

    /**
     * After every split's removals are stored: the counters ({@code documents} in, dropped per reason) and the
     * marker.
     */
    public void finish(long documents, Map<String, Long> droppedByReason, long nanos) throws IOException {
        StepStats stats = new StepStats("dedup");
        long removed = 0;
        for (Map.Entry<String, Long> e : droppedByReason.entrySet()) {
            for (long i = 0; i < e.getValue(); i++) {
                stats.dropped(e.getKey());
            }
            removed += e.getValue();
        }
        for (long i = 0; i < documents; i++) {
            stats.in(0);
        }
        stats.keptCount(documents - removed);
        stats.addNanos(nanos);
        WorkFiles.writeStats(ctx.workFile("dedup", "stats.json"), List.of(stats));
        AtomicFiles.writeString(ctx.workFile("dedup", "dedup.done"), "");
        ctx.progress.shardDone();
        ctx.checkpoint.completed("dedup", -1);
    }
}
