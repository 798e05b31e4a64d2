package ai.stratum.data.run;

import ai.stratum.io.AtomicFiles;
import ai.stratum.data.CpuClock;
import ai.stratum.data.Document;
import ai.stratum.data.Reject;
import ai.stratum.data.StepStats;
import ai.stratum.data.dedup.DedupIndex;
import ai.stratum.data.dedup.ExactHash;
import ai.stratum.data.dedup.MinHash;
import ai.stratum.data.read.DocumentReader;
import ai.stratum.data.read.DocumentSink;
import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.recipe.InputConfig;
import ai.stratum.data.shard.ShardWriter;
import ai.stratum.data.shard.TextEncoder;
import ai.stratum.data.shard.TokenShardFormat;
import ai.stratum.data.step.DocumentStep;
import ai.stratum.data.step.PiiRedactor;
import ai.stratum.data.step.StepChain;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The local executor: runs a recipe over its input files on a thread pool, in four phases, each leaving
 * per-shard outputs and a completion marker under {@code out/work/} (an input file is a shard):
 *
 * <ol>
 *   <li>{@code filter} (parallel over shards, and inside a shard over batches of documents on the step pool,
 *       written back in input order): read, run the per-document steps, write survivors, their dedup
 *       signatures and rejects;</li>
 *   <li>{@code dedup} (one task): exact and MinHash clusters over all signatures in input order;</li>
 *   <li>{@code tokens} (parallel like {@code filter}): drop duplicates, redact PII, apply mixing weights, pick the split,
 *       tokenize ({@code [eot] + tokens} per document, as llm.c's {@code fineweb.py}) into per-shard streams;</li>
 *   <li>{@code final} (one task): concatenate the streams in shard order into llm.c shards, then write
 *       {@code manifest.json} and {@code stats.json}.</li>
 * </ol>
 *
 * <p>Every file is written atomically and a marker is written after a shard's files, so a rerun after a crash
 * (even {@code kill -9}) skips finished shards and redoes unfinished ones from scratch: output is never
 * duplicated or torn. Every input record ends in the shards or in {@code rejects/}; {@code stats.json} checks
 * that the numbers add up. Results do not depend on the number of threads.
 */
public final class DataPipeline {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper JSON_LINE = new ObjectMapper();
    private static final String[] SPLITS = {"train", "val"};

    /** Called after each unit of work is durably complete; tests throw from it to simulate a crash. */
    public interface Checkpoint {
        void completed(String phase, int shard) throws IOException;
    }

    /** What a finished run produced. */
    public record Result(Path out, long inputRecords, long outputDocuments, long rejected, long trainTokens,
                         long valTokens, List<ShardWriter.ShardInfo> shards) {
    }

    private record Shard(int index, InputConfig input, Path file) {
    }

    private final DataRecipe recipe;
    private final TextEncoder encoder;
    private final Progress progress;
    private final Checkpoint checkpoint;
    private final SourceMixer mixer;
    private final MinHash minHash;
    private final int threads;
    private final ThreadLocal<List<DocumentStep>> filters;
    private ExecutorService stepPool;
    /** Wall time of this invocation's phases (a resumed run reports only the work it did). */
    private final Map<String, Long> phaseNanos = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int BATCH_ITEMS = 64;
    private static final long BATCH_BYTES = 4L << 20;

    public DataPipeline(DataRecipe recipe, TextEncoder encoder, Progress progress, Checkpoint checkpoint) {
        this.recipe = recipe;
        this.encoder = encoder;
        this.progress = progress == null ? new Progress() : progress;
        this.checkpoint = checkpoint == null ? (phase, shard) -> { } : checkpoint;
        this.mixer = new SourceMixer(recipe);
        this.minHash = new MinHash(recipe.dedup());
        this.threads = Math.max(1, recipe.threads() == 0 ? Runtime.getRuntime().availableProcessors()
                : recipe.threads());
        this.filters = ThreadLocal.withInitial(() -> Steps.filters(recipe.filters(), recipe.seed()));
    }

    public Result run(Path out) throws IOException {
        Path work = out.resolve("work");
        Files.createDirectories(work);
        AtomicFiles.deleteTemps(out);
        checkSameRecipe(work);
        List<Shard> shards = new ArrayList<>();
        for (InputConfig input : recipe.inputs()) {
            for (Path file : InputFiles.expand(input)) {
                shards.add(new Shard(shards.size(), input, file));
            }
        }
        // shard threads read and write; the step pool does the per-document work, in batches
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, shards.size())));
        stepPool = Executors.newFixedThreadPool(threads);
        try {
            long t = System.nanoTime();
            progress.phase("filter", shards.size());
            forEach(pool, shards, s -> filterShard(s, work, out));
            t = lap("filter", t);
            progress.phase("dedup", 1);
            dedup(shards, work);
            t = lap("dedup", t);
            progress.phase("tokens", shards.size());
            forEach(pool, shards, s -> tokenizeShard(s, work, out));
            lap("tokens", t);
            progress.phase("final", 1);
            return finish(shards, work, out);
        } finally {
            // after a failure, let the other shards' tasks stop before returning: no writes after run() ends
            pool.shutdownNow();
            stepPool.shutdownNow();
            try {
                pool.awaitTermination(10, java.util.concurrent.TimeUnit.MINUTES);
                stepPool.awaitTermination(10, java.util.concurrent.TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private long lap(String phase, long since) {
        long now = System.nanoTime();
        phaseNanos.put(phase, now - since);
        return now;
    }

    /** A rerun must be of the same recipe and tokenizer, or its outputs would mix with the old ones. */
    private void checkSameRecipe(Path work) throws IOException {
        Map<String, Object> id = new LinkedHashMap<>();
        id.put("recipe", JSON.convertValue(recipe, new TypeReference<Map<String, Object>>() { }));
        id.put("tokenizer_fingerprint", encoder.fingerprint());
        String text = JSON.writeValueAsString(id);
        Path file = work.resolve("recipe.json");
        if (Files.exists(file)) {
            if (!Files.readString(file).equals(text)) {
                throw new IllegalArgumentException(file.getParent().getParent() + " holds a run of a different "
                        + "recipe or tokenizer; choose a new --out directory or delete this one");
            }
        } else {
            AtomicFiles.writeString(file, text);
        }
    }

    private interface ShardTask {
        void run(Shard shard) throws IOException;
    }

    private void forEach(ExecutorService pool, List<Shard> shards, ShardTask task) throws IOException {
        List<Future<?>> futures = new ArrayList<>();
        for (Shard s : shards) {
            futures.add(pool.submit(() -> {
                try {
                    task.run(s);
                    progress.shardDone();
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
                throw new IOException(cause);
            }
        }
    }

    private static String name(int shard) {
        return String.format("%06d", shard);
    }

    // ---------------------------------------------------------------- phase 1: filter

    /** A record read from an input: a document for the steps, or a reader's reject. */
    private record Item(Document doc, Reject reject) {
    }

    /** One processed batch, serialized by the worker so that the shard thread only writes bytes. */
    private record FilteredBatch(byte[] docs, byte[] sigs, byte[] rejects, List<StepStats> stats) {
    }

    private FilteredBatch filterBatch(List<Item> items) {
        StepChain chain = new StepChain(filters.get());
        java.io.ByteArrayOutputStream docs = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream sigs = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream rejects = new java.io.ByteArrayOutputStream();
        DataOutputStream sigOut = new DataOutputStream(sigs);
        boolean signatures = recipe.dedup().exact() || recipe.dedup().minhash();
        try {
            for (Item item : items) {
                if (item.reject() != null) {
                    writeReject(rejects, item.reject());
                    continue;
                }
                Document result = chain.apply(item.doc(), r -> writeReject(rejects, r));
                if (result != null) {
                    writeDocument(docs, result);
                    if (signatures) {
                        writeSignature(sigOut, result.id(), chain.dedupText());
                    }
                }
            }
            sigOut.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new FilteredBatch(docs.toByteArray(), sigs.toByteArray(), rejects.toByteArray(), chain.stats());
    }

    private void filterShard(Shard s, Path work, Path out) throws IOException {
        Path dir = work.resolve("filter");
        Path done = dir.resolve(name(s.index()) + ".done");
        if (Files.exists(done)) {
            return;
        }
        DocumentReader reader = Steps.reader(s.input());
        StepStats readStats = new StepStats(reader.name());
        List<StepStats> stepStats = new ArrayList<>();
        long t0 = System.nanoTime();
        try (AtomicFiles.Output docs = AtomicFiles.create(dir.resolve(name(s.index()) + ".docs.jsonl"));
             AtomicFiles.Output sigs = AtomicFiles.create(dir.resolve(name(s.index()) + ".sig"));
             AtomicFiles.Output rejects = AtomicFiles.create(out.resolve("rejects").resolve("filter-"
                     + name(s.index()) + ".jsonl"));
             OrderedBatches<Item, FilteredBatch> batches = new OrderedBatches<>(stepPool, threads, BATCH_ITEMS,
                     BATCH_BYTES, this::filterBatch, b -> {
                 docs.stream().write(b.docs());
                 sigs.stream().write(b.sigs());
                 rejects.stream().write(b.rejects());
                 mergeInto(stepStats, b.stats());
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
                    progress.read(delta);
                    try {
                        batches.add(item, Math.max(1, delta));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };
            try {
                reader.read(s.file(), s.input().name(), sink, readStats);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            batches.finish();
            docs.commit();
            sigs.commit();
            rejects.commit();
        }
        phaseNanos.merge("filter_shards", System.nanoTime() - t0, Long::sum);
        List<StepStats> stats = new ArrayList<>();
        stats.add(readStats);
        stats.addAll(stepStats);
        writeStats(dir.resolve(name(s.index()) + ".stats.json"), stats);
        AtomicFiles.writeString(done, "");
        checkpoint.completed("filter", s.index());
    }

    /** Adds a batch's step counters to a shard's, step by step (the lists are in the same step order). */
    private static void mergeInto(List<StepStats> into, List<StepStats> batch) {
        for (int i = 0; i < batch.size(); i++) {
            if (into.size() <= i) {
                into.add(new StepStats(batch.get(i).name()));
            }
            into.get(i).merge(batch.get(i));
        }
    }

    private void writeDocument(OutputStream out, Document doc) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", doc.id());
        m.put("source", doc.source());
        m.put("text", doc.text());
        m.put("metadata", doc.metadata());
        out.write(JSON_LINE.writeValueAsBytes(m));
        out.write('\n');
    }

    private void writeReject(OutputStream out, Reject r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("source", r.source());
        m.put("step", r.step());
        m.put("reason", r.reason());
        m.put("detail", r.detail());
        if (recipe.output().rejectsWithText()) {
            m.put("text", r.text());
        }
        try {
            out.write(JSON_LINE.writeValueAsBytes(m));
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @param text the document's text before line-level filters ({@link StepChain#dedupText()}) */
    private void writeSignature(DataOutputStream out, String id, String text) throws IOException {
        writeString(out, id);
        long[] exact = recipe.dedup().exact() ? ExactHash.of(text) : new long[2];
        out.writeLong(exact[0]);
        out.writeLong(exact[1]);
        int[] sig = recipe.dedup().minhash() ? minHash.signature(text) : null;
        if (sig == null) {
            out.writeByte(0);
        } else {
            long[] bands = minHash.bandKeys(sig);
            out.writeByte(bands.length);
            for (long b : bands) {
                out.writeLong(b);
            }
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        return new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- phase 2: dedup

    private void dedup(List<Shard> shards, Path work) throws IOException {
        Path dir = work.resolve("dedup");
        Path done = dir.resolve("dedup.done");
        if (Files.exists(done)) {
            return;
        }
        StepStats stats = new StepStats("dedup");
        long t0 = System.nanoTime();
        DedupIndex index = new DedupIndex();
        List<String> ids = new ArrayList<>();
        List<Long> keys = new ArrayList<>();
        boolean signatures = recipe.dedup().exact() || recipe.dedup().minhash();
        for (Shard s : shards) {
            if (!signatures) {
                break;
            }
            Path sig = work.resolve("filter").resolve(name(s.index()) + ".sig");
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(sig), 1 << 16))) {
                for (int i = 0; ; i++) {
                    String id;
                    try {
                        id = readString(in);
                    } catch (EOFException e) {
                        break;
                    }
                    long hi = in.readLong();
                    long lo = in.readLong();
                    int nBands = in.readUnsignedByte();
                    long[] bands = null;
                    if (nBands > 0) {
                        bands = new long[nBands];
                        for (int b = 0; b < nBands; b++) {
                            bands[b] = in.readLong();
                        }
                    }
                    long key = ((long) s.index() << 32) | i;
                    index.add(key, hi, lo, bands);
                    ids.add(id);
                    keys.add(key);
                    stats.in(0);
                }
            }
        }
        List<DedupIndex.Removal> removals = index.removals(recipe.dedup().exact(), recipe.dedup().minhash());
        Map<Long, String> idOf = new HashMap<>();
        for (DedupIndex.Removal r : removals) {
            idOf.put(r.keptKey(), null);
        }
        for (int i = 0; i < keys.size(); i++) {
            if (idOf.containsKey(keys.get(i))) {
                idOf.put(keys.get(i), ids.get(i));
            }
        }
        Map<Integer, List<DedupIndex.Removal>> byShard = new TreeMap<>();
        for (DedupIndex.Removal r : removals) {
            byShard.computeIfAbsent((int) (r.key() >>> 32), k -> new ArrayList<>()).add(r);
            stats.dropped(r.reason());
        }
        for (Shard s : shards) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            for (DedupIndex.Removal r : byShard.getOrDefault(s.index(), List.of())) {
                out.writeInt((int) r.key());
                writeString(out, r.reason());
                writeString(out, idOf.get(r.keptKey()));
            }
            out.flush();
            AtomicFiles.writeBytes(dir.resolve(name(s.index()) + ".removed"), bytes.toByteArray());
        }
        stats.keptCount(index.size() - removals.size());
        stats.addNanos(System.nanoTime() - t0);
        writeStats(dir.resolve("stats.json"), List.of(stats));
        AtomicFiles.writeString(done, "");
        progress.shardDone();
        checkpoint.completed("dedup", -1);
    }

    private record Removed(String reason, String keptId) {
    }

    private static Map<Integer, Removed> readRemoved(Path file) throws IOException {
        Map<Integer, Removed> out = new HashMap<>();
        if (!Files.exists(file)) {
            return out;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            while (true) {
                int index;
                try {
                    index = in.readInt();
                } catch (EOFException e) {
                    return out;
                }
                out.put(index, new Removed(readString(in), readString(in)));
            }
        }
    }

    // ---------------------------------------------------------------- phase 3: tokens

    private record Line(int index, String json) {
    }

    /** A tokenized batch: rejects, token bytes per stream ({@code train.e0}, ...), counters. */
    private record TokenBatch(byte[] rejects, Map<String, byte[]> tokens, List<StepStats> stats) {
    }

    private TokenBatch tokenizeBatch(List<Line> lines, Map<Integer, Removed> removed) {
        StepChain post = new StepChain(recipe.pii().enabled() ? List.of(new PiiRedactor(recipe.pii())) : List.of());
        StepStats mix = new StepStats("mix");
        StepStats tokenize = new StepStats("tokenize");
        java.io.ByteArrayOutputStream rejects = new java.io.ByteArrayOutputStream();
        Map<String, java.io.ByteArrayOutputStream> streams = new TreeMap<>();
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        try {
            for (Line line : lines) {
                Document doc = readDocument(line.json());
                Removed r = removed.get(line.index());
                if (r != null) {
                    writeReject(rejects, Reject.of(doc, "dedup", r.reason(), "duplicate of " + r.keptId()));
                    continue;
                }
                doc = post.apply(doc, x -> writeReject(rejects, x));
                mix.in(0);
                boolean val = mixer.isValidation(doc.source(), doc.id());
                int copies = mixer.copies(doc.source(), doc.id()) * ai.stratum.data.quality.QualityStep.copies(doc);
                if (val) {
                    copies = Math.min(copies, 1);
                }
                if (copies == 0) {
                    mix.dropped("downsampled");
                    writeReject(rejects, Reject.of(doc, "mix", "downsampled",
                            "weight " + recipe.weight(doc.source())));
                    continue;
                }
                mix.kept(0);
                long bytes = doc.utf8Length();
                long t0 = CpuClock.nanos();
                int[] tokens = encoder.encode(doc.text());
                tokenize.addNanos(CpuClock.nanos() - t0);
                tokenize.in(bytes);
                tokenize.kept(bytes);
                String split = val ? "val" : "train";
                tokenize.count("documents_" + split, 1);
                tokenize.count("tokens_" + split, (long) copies * (tokens.length + 1));
                mix.count("copies_" + doc.source(), copies);
                mix.count("tokens_" + doc.source(), (long) copies * (tokens.length + 1));
                for (int copy = 0; copy < copies; copy++) {
                    writeInts(streams.computeIfAbsent(split + ".e" + copy, k -> new java.io.ByteArrayOutputStream()),
                            buf, encoder.eotId(), tokens);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, byte[]> tokenBytes = new TreeMap<>();
        streams.forEach((k, v) -> tokenBytes.put(k, v.toByteArray()));
        List<StepStats> stats = new ArrayList<>(post.stats());
        stats.add(mix);
        stats.add(tokenize);
        return new TokenBatch(rejects.toByteArray(), tokenBytes, stats);
    }

    private void tokenizeShard(Shard s, Path work, Path out) throws IOException {
        Path dir = work.resolve("tokens");
        Path done = dir.resolve(name(s.index()) + ".done");
        if (Files.exists(done)) {
            return;
        }
        long t0 = System.nanoTime();
        Map<Integer, Removed> removed = readRemoved(work.resolve("dedup").resolve(name(s.index()) + ".removed"));
        List<StepStats> stats = new ArrayList<>();
        Map<String, AtomicFiles.Output> streams = new TreeMap<>();
        Path docsFile = work.resolve("filter").resolve(name(s.index()) + ".docs.jsonl");
        try (AtomicFiles.Output rejects = AtomicFiles.create(out.resolve("rejects").resolve("dedup-mix-"
                     + name(s.index()) + ".jsonl"));
             BufferedReader lines = Files.newBufferedReader(docsFile, StandardCharsets.UTF_8);
             OrderedBatches<Line, TokenBatch> batches = new OrderedBatches<>(stepPool, threads, BATCH_ITEMS,
                     BATCH_BYTES, b -> tokenizeBatch(b, removed), b -> {
                 rejects.stream().write(b.rejects());
                 for (Map.Entry<String, byte[]> e : b.tokens().entrySet()) {
                     AtomicFiles.Output o = streams.get(e.getKey());
                     if (o == null) {
                         o = AtomicFiles.create(dir.resolve(name(s.index()) + "." + e.getKey() + ".bin"));
                         streams.put(e.getKey(), o);
                     }
                     o.stream().write(e.getValue());
                 }
                 mergeInto(stats, b.stats());
             })) {
            int index = 0;
            for (String line = lines.readLine(); line != null; line = lines.readLine(), index++) {
                batches.add(new Line(index, line), line.length());
            }
            batches.finish();
            for (AtomicFiles.Output o : streams.values()) {
                o.commit();
            }
            rejects.commit();
        } finally {
            for (AtomicFiles.Output o : streams.values()) {
                o.close();
            }
        }
        if (stats.isEmpty()) {
            stats.addAll(tokenizeBatch(List.of(), removed).stats());
        }
        writeStats(dir.resolve(name(s.index()) + ".stats.json"), stats);
        phaseNanos.merge("tokens_shards", System.nanoTime() - t0, Long::sum);
        AtomicFiles.writeString(done, "");
        checkpoint.completed("tokens", s.index());
    }

    private static Document readDocument(String line) throws IOException {
        Map<String, Object> m = JSON_LINE.readValue(line, new TypeReference<Map<String, Object>>() { });
        @SuppressWarnings("unchecked")
        Map<String, String> meta = (Map<String, String>) m.get("metadata");
        return new Document((String) m.get("id"), (String) m.get("text"), (String) m.get("source"),
                meta == null ? null : new TreeMap<>(meta));
    }

    private static void writeInts(OutputStream out, ByteBuffer buf, int first, int[] rest) throws IOException {
        buf.clear();
        buf.putInt(first);
        for (int t : rest) {
            if (!buf.hasRemaining()) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            buf.putInt(t);
        }
        out.write(buf.array(), 0, buf.position());
        buf.clear();
    }

    // ---------------------------------------------------------------- phase 4: final

    private Result finish(List<Shard> shards, Path work, Path out) throws IOException {
        Path done = work.resolve("final.done");
        List<StepStats> merged = mergedStats(shards, work);
        if (!Files.exists(done)) {
            int maxCopies = (int) Math.ceil(recipe.inputs().stream().mapToDouble(i -> recipe.weight(i.name()))
                    .max().orElse(1)) * ai.stratum.data.quality.QualityStep.maxCopies(recipe.filters().quality());
            int tokenBytes = TokenShardFormat.tokenBytes(encoder.vocabSize());
            List<ShardWriter.ShardInfo> infos = new ArrayList<>();
            int[] chunk = new int[1 << 14];
            for (String split : SPLITS) {
                try (ShardWriter writer = new ShardWriter(out, recipe.output().name(), split,
                        recipe.output().shardTokens(), tokenBytes)) {
                    for (int copy = 0; copy < Math.max(1, maxCopies); copy++) {
                        for (Shard s : shards) {
                            Path f = work.resolve("tokens").resolve(name(s.index()) + "." + split + ".e" + copy + ".bin");
                            if (Files.exists(f)) {
                                appendTokens(f, writer, chunk);
                            }
                        }
                    }
                    infos.addAll(writer.finish());
                }
            }
            writeManifest(out, infos, merged);
            writeMergedStats(out, merged);
            AtomicFiles.writeString(done, "");
            checkpoint.completed("final", -1);
        }
        progress.shardDone();
        return result(out, merged);
    }

    private static void appendTokens(Path file, ShardWriter writer, int[] chunk) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            byte[] bytes = new byte[chunk.length * 4];
            while (true) {
                int n = in.readNBytes(bytes, 0, bytes.length);
                if (n == 0) {
                    return;
                }
                if (n % 4 != 0) {
                    throw new IOException(file + ": token stream length is not a multiple of 4; delete "
                            + file.getParent().resolveSibling("tokens") + " markers to redo it");
                }
                ByteBuffer b = ByteBuffer.wrap(bytes, 0, n).order(ByteOrder.LITTLE_ENDIAN);
                int count = n / 4;
                for (int i = 0; i < count; i++) {
                    chunk[i] = b.getInt();
                }
                writer.write(chunk, 0, count);
            }
        }
    }

    // ---------------------------------------------------------------- stats and manifest

    private static void writeStats(Path file, List<StepStats> stats) throws IOException {
        List<Map<String, Object>> list = new ArrayList<>();
        for (StepStats s : stats) {
            list.add(s.toMap());
        }
        AtomicFiles.writeString(file, JSON.writeValueAsString(list));
    }

    private static List<StepStats> readStats(Path file) throws IOException {
        List<Map<String, Object>> list = JSON.readValue(file.toFile(), new TypeReference<>() { });
        List<StepStats> out = new ArrayList<>();
        for (Map<String, Object> m : list) {
            out.add(StepStats.fromMap(m));
        }
        return out;
    }

    /** Every step's counters over all shards, in pipeline order (first appearance across shards in order). */
    private static List<StepStats> mergedStats(List<Shard> shards, Path work) throws IOException {
        LinkedHashMap<String, StepStats> merged = new LinkedHashMap<>();
        List<Path> files = new ArrayList<>();
        for (Shard s : shards) {
            files.add(work.resolve("filter").resolve(name(s.index()) + ".stats.json"));
        }
        files.add(work.resolve("dedup").resolve("stats.json"));
        for (Shard s : shards) {
            files.add(work.resolve("tokens").resolve(name(s.index()) + ".stats.json"));
        }
        for (Path f : files) {
            for (StepStats s : readStats(f)) {
                merged.computeIfAbsent(s.name(), StepStats::new).merge(s);
            }
        }
        return new ArrayList<>(merged.values());
    }

    private static long inputRecords(List<StepStats> merged) {
        return merged.stream().filter(s -> s.name().startsWith("read_")).mapToLong(StepStats::documentsIn).sum();
    }

    private static long rejected(List<StepStats> merged) {
        return merged.stream().filter(s -> !s.name().equals("tokenize")).mapToLong(StepStats::droppedTotal).sum();
    }

    private static StepStats find(List<StepStats> merged, String name) {
        return merged.stream().filter(s -> s.name().equals(name)).findFirst().orElse(new StepStats(name));
    }

    private void writeMergedStats(Path out, List<StepStats> merged) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        List<Map<String, Object>> steps = new ArrayList<>();
        for (StepStats s : merged) {
            steps.add(s.toMap());
        }
        long in = inputRecords(merged);
        long kept = find(merged, "tokenize").kept();
        long rejected = rejected(merged);
        Map<String, Object> accounting = new LinkedHashMap<>();
        accounting.put("input_records", in);
        accounting.put("output_documents", kept);
        accounting.put("rejected", rejected);
        accounting.put("balanced", in == kept + rejected);
        root.put("accounting", accounting);
        Map<String, Double> seconds = new TreeMap<>();
        phaseNanos.forEach((k, v) -> seconds.put(k, v / 1e9));
        root.put("this_run_seconds", seconds);
        root.put("steps", steps);
        AtomicFiles.writeString(out.resolve("stats.json"), JSON.writeValueAsString(root));
    }

    private void writeManifest(Path out, List<ShardWriter.ShardInfo> infos, List<StepStats> merged)
            throws IOException {
        int tokenBytes = TokenShardFormat.tokenBytes(encoder.vocabSize());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "llm.c");
        m.put("magic", tokenBytes == 2 ? TokenShardFormat.MAGIC_U16 : TokenShardFormat.MAGIC_U32);
        m.put("version", tokenBytes == 2 ? TokenShardFormat.VERSION_U16 : TokenShardFormat.VERSION_U32);
        m.put("dtype", tokenBytes == 2 ? "uint16" : "uint32");
        m.put("vocab_size", encoder.vocabSize());
        m.put("eot_id", encoder.eotId());
        m.put("eot_placement", "before_each_document");
        m.put("tokenizer_fingerprint", encoder.fingerprint());
        m.put("shard_tokens", recipe.output().shardTokens());
        List<Map<String, Object>> list = new ArrayList<>();
        for (ShardWriter.ShardInfo s : infos) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("file", s.file());
            e.put("split", s.split());
            e.put("tokens", s.tokens());
            e.put("sha256", s.sha256());
            list.add(e);
        }
        m.put("shards", list);
        StepStats tokenize = find(merged, "tokenize");
        Map<String, Object> splits = new LinkedHashMap<>();
        for (String split : SPLITS) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("documents", tokenize.counters().getOrDefault("documents_" + split, 0L));
            e.put("tokens", tokenize.counters().getOrDefault("tokens_" + split, 0L));
            splits.put(split, e);
        }
        m.put("splits", splits);
        StepStats mix = find(merged, "mix");
        Map<String, Object> mixture = new LinkedHashMap<>();
        long totalTokens = 0;
        for (InputConfig in : recipe.inputs()) {
            totalTokens += mix.counters().getOrDefault("tokens_" + in.name(), 0L);
        }
        for (InputConfig in : recipe.inputs()) {
            Map<String, Object> e = new LinkedHashMap<>();
            long tokens = mix.counters().getOrDefault("tokens_" + in.name(), 0L);
            e.put("weight", recipe.weight(in.name()));
            e.put("documents_written", mix.counters().getOrDefault("copies_" + in.name(), 0L));
            e.put("tokens", tokens);
            e.put("token_fraction", totalTokens == 0 ? 0.0 : (double) tokens / totalTokens);
            mixture.put(in.name(), e);
        }
        m.put("mixture", mixture);
        AtomicFiles.writeString(out.resolve("manifest.json"), JSON.writeValueAsString(m));
    }

    private Result result(Path out, List<StepStats> merged) throws IOException {
        Map<String, Object> manifest = JSON.readValue(out.resolve("manifest.json").toFile(), new TypeReference<>() { });
        List<ShardWriter.ShardInfo> infos = new ArrayList<>();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> list = (List<Map<String, Object>>) manifest.get("shards");
        long train = 0;
        long val = 0;
        for (Map<String, Object> e : list) {
            long tokens = ((Number) e.get("tokens")).longValue();
            String split = (String) e.get("split");
            infos.add(new ShardWriter.ShardInfo((String) e.get("file"), split, tokens, (String) e.get("sha256")));
            if (split.equals("train")) {
                train += tokens;
            } else {
                val += tokens;
            }
        }
        return new Result(out, inputRecords(merged), find(merged, "tokenize").kept(), rejected(merged), train, val,
                infos);
    }
}
