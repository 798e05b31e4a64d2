package ai.stratum.data.run;

import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.shard.ShardWriter;
import ai.stratum.data.shard.TextEncoder;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;

/**
 * A recipe run into an output directory: builds the {@link Stages} and hands them to an {@link Executor}
 * ({@link LocalExecutor} unless told otherwise).
 *
 * <p>Every file is written atomically and a marker is written after each unit of work's files, so a rerun after
 * a crash (even {@code kill -9}) skips finished units and redoes unfinished ones from scratch: output is never
 * duplicated or torn. Every input record ends in the shards or in {@code rejects/}; {@code stats.json} checks
 * that the numbers add up. Results depend neither on the number of threads nor on the executor.
 */
public final class DataPipeline {
    /**
     * Called after each unit of work is durably complete ({@code phase} is filter, dedup, tokens, documents or
     * final; {@code shard} the input split, -1 for one-task phases); tests throw from it to simulate a crash.
     * Serializable because a distributed executor calls it inside its tasks.
     */
    public interface Checkpoint extends Serializable {
        void completed(String phase, int shard) throws IOException;
    }

    /** What a finished run produced. */
    public record Result(Path out, long inputRecords, long outputDocuments, long rejected, long trainTokens,
                         long valTokens, List<ShardWriter.ShardInfo> shards) {
    }

    private final DataRecipe recipe;
    private final TextEncoder encoder;
    private final Progress progress;
    private final Checkpoint checkpoint;
    private final Executor executor;

    public DataPipeline(DataRecipe recipe, TextEncoder encoder, Progress progress, Checkpoint checkpoint) {
        this(recipe, encoder, progress, checkpoint, new LocalExecutor());
    }

    public DataPipeline(DataRecipe recipe, TextEncoder encoder, Progress progress, Checkpoint checkpoint,
                        Executor executor) {
        this.recipe = recipe;
        this.encoder = encoder;
        this.progress = progress;
        this.checkpoint = checkpoint;
        this.executor = executor;
    }

    public Result run(Path out) throws IOException {
        return executor.run(new Stages(recipe, encoder, out, progress, checkpoint));
    }
}
