package ai.stratum.data.run;

import ai.stratum.data.CpuClock;
import ai.stratum.data.Document;
import ai.stratum.data.Reject;
import ai.stratum.data.StepStats;
import ai.stratum.data.step.PiiRedactor;
import ai.stratum.data.step.StepChain;
import ai.stratum.io.AtomicFiles;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;

/**
 * Dedup stage "filter", then PII redaction, mixing and tokenizing, per input split: reads the split's survivors
 * and dedup's removals, and writes per-split token streams {@code work/tokens/NNNNNN.<split>.e<copy>.bin}
 * ({@code [eot] + tokens} per document, int32 little-endian, as llm.c's {@code fineweb.py} orders them),
 * {@code rejects/dedup-mix-NNNNNN.jsonl}, the kept documents ({@link DocumentOutputs}), {@code .stats.json}
 * and the marker.
 */
public final class TokenizeStage {
    private static final int BATCH_ITEMS = 64;
    private static final long BATCH_BYTES = 4L << 20;

    private final RunContext ctx;
    private final DocumentOutputs outputs;

    public TokenizeStage(RunContext ctx) {
        this.ctx = ctx;
        this.outputs = new DocumentOutputs(ctx);
    }

    private record Line(int index, String json) {
    }

    /** A tokenized batch: rejects, token bytes per stream ({@code train.e0}, ...), kept documents, counters. */
    private record Batch(byte[] rejects, Map<String, byte[]> tokens, byte[] kept, List<StepStats> stats) {
    }

    private Batch apply(List<Line> lines, Map<Integer, WorkFiles.Removed> removed) {
        StepChain post = new StepChain(ctx.recipe.pii().enabled() ? List.of(new PiiRedactor(ctx.recipe.pii()))
                : List.of());
        StepStats mix = new StepStats("mix");
        StepStats tokenize = new StepStats("tokenize");
        ByteArrayOutputStream rejects = new ByteArrayOutputStream();
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        Map<String, ByteArrayOutputStream> streams = new TreeMap<>();
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        try {
            for (Line line : lines) {
                Document doc = WorkFiles.readDocument(line.json());
                WorkFiles.Removed r = removed.get(line.index());
                if (r != null) {
                    ctx.writeReject(rejects, Reject.of(doc, "dedup", r.reason(), "duplicate of " + r.keptId()));
                    continue;
                }
                doc = post.apply(doc, x -> ctx.writeReject(rejects, x));
                mix.in(0);
                boolean val = ctx.mixer.isValidation(doc.source(), doc.id());
                int copies = ctx.mixer.copies(doc.source(), doc.id())
                        * ai.stratum.data.quality.QualityStep.copies(doc);
                if (val) {
                    copies = Math.min(copies, 1);
                }
                if (copies == 0) {
                    mix.dropped("downsampled");
                    ctx.writeReject(rejects, Reject.of(doc, "mix", "downsampled",
                            "weight " + ctx.recipe.weight(doc.source())));
                    continue;
                }
                mix.kept(0);
                long bytes = doc.utf8Length();
                long t0 = CpuClock.nanos();
                int[] tokens = ctx.encoder.encode(doc.text());
                tokenize.addNanos(CpuClock.nanos() - t0);
                tokenize.in(bytes);
                tokenize.kept(bytes);
                String split = val ? "val" : "train";
                tokenize.count("documents_" + split, 1);
                tokenize.count("tokens_" + split, (long) copies * (tokens.length + 1));
                mix.count("copies_" + doc.source(), copies);
                mix.count("tokens_" + doc.source(), (long) copies * (tokens.length + 1));
                DocumentOutputs.count(tokenize, doc);
                if (outputs.enabled()) {
                    DocumentOutputs.writeKept(kept, doc, split, copies);
                }
                for (int copy = 0; copy < copies; copy++) {
                    writeInts(streams.computeIfAbsent(split + ".e" + copy, k -> new ByteArrayOutputStream()),
                            buf, ctx.encoder.eotId(), tokens);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, byte[]> tokenBytes = new TreeMap<>();
        streams.forEach((k, v) -> tokenBytes.put(k, v.toByteArray()));
        List<StepStats> stats = new java.util.ArrayList<>(post.stats());
        stats.add(mix);
        stats.add(tokenize);
        return new Batch(rejects.toByteArray(), tokenBytes, kept.toByteArray(), stats);
    }

    /** The token stream file of a split, data split and copy. */
    public Path stream(int split, String dataSplit, int copy) {
        return ctx.workFile("tokens", InputSplit.stem(split) + "." + dataSplit + ".e" + copy + ".bin");
    }

    /** Runs one split unless its marker exists; {@code pool} as in {@link FilterStage#run}. */
    public void run(InputSplit s, ExecutorService pool, int threads) throws IOException {
        Path done = ctx.done("tokens", s.index());
        if (Files.exists(done)) {
            return;
        }
        long t0 = System.nanoTime();
        Map<Integer, WorkFiles.Removed> removed = WorkFiles.readRemoved(ctx.workFile("dedup", s.stem() + ".removed"));
        RunStats stats = new RunStats();
        Map<String, AtomicFiles.Output> streams = new TreeMap<>();
        Path docsFile = ctx.workFile("filter", s.stem() + ".docs.jsonl");
        try (AtomicFiles.Output rejects = AtomicFiles.create(ctx.out.resolve("rejects").resolve("dedup-mix-"
                     + s.stem() + ".jsonl"));
             DocumentOutputs.Writer kept = outputs.open(s.index());
             BufferedReader lines = Files.newBufferedReader(docsFile, StandardCharsets.UTF_8);
             OrderedBatches<Line, Batch> batches = new OrderedBatches<>(pool, threads, BATCH_ITEMS, BATCH_BYTES,
                     b -> apply(b, removed), b -> {
                 rejects.stream().write(b.rejects());
                 for (Map.Entry<String, byte[]> e : b.tokens().entrySet()) {
                     AtomicFiles.Output o = streams.get(e.getKey());
                     if (o == null) {
                         o = AtomicFiles.create(ctx.workFile("tokens", s.stem() + "." + e.getKey() + ".bin"));
                         streams.put(e.getKey(), o);
                     }
                     o.stream().write(e.getValue());
                 }
                 kept.write(b.kept());
                 stats.add(b.stats());
             })) {
            int index = 0;
            for (String line = lines.readLine(); line != null; line = lines.readLine(), index++) {
                batches.add(new Line(index, line), line.length());
            }
            batches.finish();
            for (AtomicFiles.Output o : streams.values()) {
                o.commit();
            }
            kept.commit();
            rejects.commit();
        } finally {
            for (AtomicFiles.Output o : streams.values()) {
                o.close();
            }
        }
        if (stats.list().isEmpty()) {
            stats.add(apply(List.of(), removed).stats());
        }
        WorkFiles.writeStats(ctx.workFile("tokens", s.stem() + ".stats.json"), stats.list());
        ctx.addPhaseNanos("tokens_shards", System.nanoTime() - t0);
        AtomicFiles.writeString(done, "");
        ctx.checkpoint.completed("tokens", s.index());
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
}
