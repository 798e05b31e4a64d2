package ai.stratum.data.run;

import ai.stratum.data.Reject;
import ai.stratum.data.dedup.MinHash;
import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.shard.TextEncoder;
import ai.stratum.io.AtomicFiles;
import com.fasterxml.jackson.core.type.TypeReference;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every stage of one run shares: the recipe, the tokenizer, the output directory and its layout, and the
 * hooks an executor observes (progress, checkpoints). One per JVM: an executor on several machines builds one in
 * each from the same recipe.
 *
 * <p>Layout of {@code out/}: {@code work/recipe.json} (the run's identity), {@code work/filter/},
 * {@code work/dedup/}, {@code work/tokens/} (per-split intermediate files and {@code .done} markers),
 * {@code rejects/}, {@code documents/}, the shards, {@code manifest.json} and {@code stats.json}.
 */
public final class RunContext {
    public final DataRecipe recipe;
    public final TextEncoder encoder;
    public final Path out;
    final Progress progress;
    final DataPipeline.Checkpoint checkpoint;
    final SourceMixer mixer;
    final MinHash minHash;
    /** Wall time of this invocation's phases (a resumed run reports only the work it did). */
    final Map<String, Long> phaseNanos = new ConcurrentHashMap<>();

    public RunContext(DataRecipe recipe, TextEncoder encoder, Path out, Progress progress,
                      DataPipeline.Checkpoint checkpoint) {
        this.recipe = recipe;
        this.encoder = encoder;
        this.out = out;
        this.progress = progress == null ? new Progress() : progress;
        this.checkpoint = checkpoint == null ? (phase, shard) -> { } : checkpoint;
        this.mixer = new SourceMixer(recipe);
        this.minHash = new MinHash(recipe.dedup());
    }

    public Path work() {
        return out.resolve("work");
    }

    public Path workFile(String phase, String file) {
        return work().resolve(phase).resolve(file);
    }

    public Path done(String phase, int split) {
        return workFile(phase, InputSplit.stem(split) + ".done");
    }

    public Progress progress() {
        return progress;
    }

    public DataPipeline.Checkpoint checkpoint() {
        return checkpoint;
    }

    /** Worker threads for a local run: the recipe's, or one per processor. */
    public int threads() {
        return Math.max(1, recipe.threads() == 0 ? Runtime.getRuntime().availableProcessors() : recipe.threads());
    }

    public void addPhaseNanos(String phase, long nanos) {
        phaseNanos.merge(phase, nanos, Long::sum);
    }

    void writeReject(OutputStream stream, Reject r) {
        WorkFiles.writeReject(stream, r, recipe.output().rejectsWithText());
    }

    /**
     * Creates the layout, removes temporary files a killed run left, and checks that a directory holding an
     * earlier run holds a run of the same recipe and tokenizer (else their outputs would mix).
     */
    public void prepare() throws IOException {
        Files.createDirectories(work());
        for (String phase : new String[] {"filter", "dedup", "tokens"}) {
            Files.createDirectories(work().resolve(phase));
        }
        Files.createDirectories(out.resolve("rejects"));
        AtomicFiles.deleteTemps(out);
        Map<String, Object> id = new LinkedHashMap<>();
        id.put("recipe", WorkFiles.JSON.convertValue(recipe, new TypeReference<Map<String, Object>>() { }));
        id.put("tokenizer_fingerprint", encoder.fingerprint());
        String text = WorkFiles.JSON.writeValueAsString(id);
        Path file = work().resolve("recipe.json");
        if (Files.exists(file)) {
            if (!Files.readString(file).equals(text)) {
                throw new IllegalArgumentException(out + " holds a run of a different "
                        + "recipe or tokenizer; choose a new --out directory or delete this one");
            }
        } else {
            AtomicFiles.writeString(file, text);
        }
    }
}
