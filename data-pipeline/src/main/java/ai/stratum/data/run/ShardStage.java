package ai.stratum.data.run;

import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.InputConfig;
import ai.stratum.data.shard.ShardWriter;
import ai.stratum.data.shard.TokenShardFormat;
import ai.stratum.io.AtomicFiles;
import com.fasterxml.jackson.core.type.TypeReference;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The last stage, in one task: concatenates the per-split token streams into llm.c shards (all first copies in
 * split order, then the second copies, ...: repeats are spread, not back to back), then writes
 * {@code manifest.json} and the merged {@code stats.json}.
 */
public final class ShardStage {
    private static final String[] SPLITS = {"train", "val"};

    private final RunContext ctx;
    private final TokenizeStage tokens;

    public ShardStage(RunContext ctx, TokenizeStage tokens) {
        this.ctx = ctx;
        this.tokens = tokens;
    }

    /** Every step's counters over all splits and phases, in pipeline order. */
    public RunStats mergedStats(List<InputSplit> splits) throws IOException {
        RunStats merged = new RunStats();
        for (InputSplit s : splits) {
            merged.add(WorkFiles.readStats(ctx.workFile("filter", s.stem() + ".stats.json")));
        }
        merged.add(WorkFiles.readStats(ctx.workFile("dedup", "stats.json")));
        for (InputSplit s : splits) {
            merged.add(WorkFiles.readStats(ctx.workFile("tokens", s.stem() + ".stats.json")));
        }
        return merged;
    }

    public DataPipeline.Result run(List<InputSplit> splits) throws IOException {
        Path done = ctx.work().resolve("final.done");
        RunStats merged = mergedStats(splits);
        if (!Files.exists(done)) {
            int maxCopies = (int) Math.ceil(ctx.recipe.inputs().stream()
                    .mapToDouble(i -> ctx.recipe.weight(i.name())).max().orElse(1))
                    * ai.stratum.data.quality.QualityStep.maxCopies(ctx.recipe.filters().quality());
            int tokenBytes = TokenShardFormat.tokenBytes(ctx.encoder.vocabSize());
            List<ShardWriter.ShardInfo> infos = new ArrayList<>();
            int[] chunk = new int[1 << 14];
            for (String split : SPLITS) {
                try (ShardWriter writer = new ShardWriter(ctx.out, ctx.recipe.output().name(), split,
                        ctx.recipe.output().shardTokens(), tokenBytes)) {
                    for (int copy = 0; copy < Math.max(1, maxCopies); copy++) {
                        for (InputSplit s : splits) {
                            Path f = tokens.stream(s.index(), split, copy);
                            if (Files.exists(f)) {
                                appendTokens(f, writer, chunk);
                            }
                        }
                    }
                    infos.addAll(writer.finish());
                }
            }
            writeManifest(infos, merged);
            ctx.encoder.writeTokenizerFiles(ctx.out);
            writeMergedStats(merged);
            AtomicFiles.writeString(done, "");
            ctx.checkpoint.completed("final", -1);
        }
        ctx.progress.shardDone();
        return result(merged);
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
                            + file.getParent() + "/*.done to redo the tokens phase");
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

    private void writeMergedStats(RunStats merged) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("accounting", merged.accounting());
        Map<String, Double> seconds = new TreeMap<>();
        ctx.phaseNanos.forEach((k, v) -> seconds.put(k, v / 1e9));
        root.put("this_run_seconds", seconds);
        List<Map<String, Object>> steps = new ArrayList<>();
        for (StepStats s : merged.list()) {
            steps.add(s.toMap());
        }
        root.put("steps", steps);
        AtomicFiles.writeString(ctx.out.resolve("stats.json"), WorkFiles.JSON.writeValueAsString(root));
    }

    private void writeManifest(List<ShardWriter.ShardInfo> infos, RunStats merged) throws IOException {
        int tokenBytes = TokenShardFormat.tokenBytes(ctx.encoder.vocabSize());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "llm.c");
        m.put("magic", tokenBytes == 2 ? TokenShardFormat.MAGIC_U16 : TokenShardFormat.MAGIC_U32);
        m.put("version", tokenBytes == 2 ? TokenShardFormat.VERSION_U16 : TokenShardFormat.VERSION_U32);
        m.put("dtype", tokenBytes == 2 ? "uint16" : "uint32");
        m.put("vocab_size", ctx.encoder.vocabSize());
        m.put("eot_id", ctx.encoder.eotId());
        m.put("eot_placement", "before_each_document");
        m.put("tokenizer_fingerprint", ctx.encoder.fingerprint());
        m.put("shard_tokens", ctx.recipe.output().shardTokens());
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
        StepStats tokenize = merged.step("tokenize");
        Map<String, Object> splits = new LinkedHashMap<>();
        for (String split : SPLITS) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("documents", tokenize.counters().getOrDefault("documents_" + split, 0L));
            e.put("tokens", tokenize.counters().getOrDefault("tokens_" + split, 0L));
            splits.put(split, e);
        }
        m.put("splits", splits);
        StepStats mix = merged.step("mix");
        Map<String, Object> mixture = new LinkedHashMap<>();
        long totalTokens = 0;
        for (InputConfig in : ctx.recipe.inputs()) {
            totalTokens += mix.counters().getOrDefault("tokens_" + in.name(), 0L);
        }
        for (InputConfig in : ctx.recipe.inputs()) {
            Map<String, Object> e = new LinkedHashMap<>();
            long tokens = mix.counters().getOrDefault("tokens_" + in.name(), 0L);
            e.put("weight", ctx.recipe.weight(in.name()));
            e.put("documents_written", mix.counters().getOrDefault("copies_" + in.name(), 0L));
            e.put("tokens", tokens);
            e.put("token_fraction", totalTokens == 0 ? 0.0 : (double) tokens / totalTokens);
            mixture.put(in.name(), e);
        }
        m.put("mixture", mixture);
        AtomicFiles.writeString(ctx.out.resolve("manifest.json"), WorkFiles.JSON.writeValueAsString(m));
    }

    private DataPipeline.Result result(RunStats merged) throws IOException {
        Map<String, Object> manifest = WorkFiles.JSON.readValue(ctx.out.resolve("manifest.json").toFile(),
                new TypeReference<>() { });
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
        return new DataPipeline.Result(ctx.out, merged.inputRecords(), merged.outputDocuments(), merged.rejected(),
                train, val, infos);
    }
}
