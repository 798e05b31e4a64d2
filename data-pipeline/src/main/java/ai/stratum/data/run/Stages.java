package ai.stratum.data.run;

import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.shard.TextEncoder;

import java.nio.file.Path;

/**
 * The stages of a recipe over one output directory, in order: {@link FilterStage} (read and split inputs, the
 * per-document steps, dedup signatures), {@link DedupStage} (buckets, clusters, removals),
 * {@link TokenizeStage} (dedup filter, PII, mix, tokenize, kept documents as JSONL), {@link DocumentOutputs}
 * (kept documents as Parquet) and {@link ShardStage} (shards, manifest, stats). Each unit of work is one input
 * split, or one task over all of them, and ends with a marker; an {@link Executor} decides where units run.
 */
public final class Stages {
    public final RunContext ctx;
    public final FilterStage filter;
    public final DedupStage dedup;
    public final TokenizeStage tokens;
    public final DocumentOutputs documents;
    public final ShardStage shards;

    public Stages(RunContext ctx) {
        this.ctx = ctx;
        this.filter = new FilterStage(ctx);
        this.dedup = new DedupStage(ctx);
        this.tokens = new TokenizeStage(ctx);
        this.documents = new DocumentOutputs(ctx);
        this.shards = new ShardStage(ctx, tokens);
    }

    public Stages(DataRecipe recipe, TextEncoder encoder, Path out, Progress progress,
                  DataPipeline.Checkpoint checkpoint) {
        this(new RunContext(recipe, encoder, out, progress, checkpoint));
    }
}
