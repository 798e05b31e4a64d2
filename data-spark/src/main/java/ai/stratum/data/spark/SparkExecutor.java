package ai.stratum.data.spark;

import ai.stratum.data.dedup.DocSignature;
import ai.stratum.data.run.DataPipeline;
import ai.stratum.data.run.DocumentOutputs;
import ai.stratum.data.run.Executor;
import ai.stratum.data.run.InputSplit;
import ai.stratum.data.run.RunContext;
import ai.stratum.data.run.Stages;
import ai.stratum.data.run.WorkFiles;
import ai.stratum.data.shard.Encoders;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * Runs the stages on Apache Spark: one task per input split for the per-split stages (each runs the split's
 * documents through the steps in order, as {@code mapPartitions} would, so document ordinals and files are the
 * local executor's), dedup as Spark shuffles ({@link SparkDedup}), and the final shards on the driver. Tasks
 * write the same files and markers as {@link ai.stratum.data.run.LocalExecutor}, so a run resumes after a killed
 * job (and across executors), and its output equals a local run's byte for byte.
 *
 * <p>Inputs may be local paths or Hadoop URIs ({@code hdfs://}, {@code s3a://}; {@link HadoopInputs}). The
 * output directory must be visible to the driver and every executor under the same path (local disk in
 * {@code local[N]}, a shared mount on a cluster).
 *
 * <p>A task runs its split's batches of documents on {@code spark.task.cpus} threads (default 1): set it to the
 * cores of an executor when the input is a few large files, so that a split's steps use every core.
 *
 * <p>Options: {@code master} (e.g. {@code local[2]}; omitted under {@code spark-submit}, which sets it), and
 * any Spark property ({@code spark.executor.memory=4g}). The Spark UI is off unless
 * {@code spark.ui.enabled=true}.
 */
public final class SparkExecutor implements Executor {
    private final Map<String, String> options;
    private final JavaSparkContext shared;
    private final String output;

    public SparkExecutor(Map<String, String> options) {
        for (String key : options.keySet()) {
            if (!key.equals("master") && !key.equals("output") && !key.startsWith("spark.")) {
                throw new IllegalArgumentException("executor option '" + key + "': the Spark executor takes "
                        + "'master', 'output' and Spark properties (spark.*)");
            }
        }
        this.options = new TreeMap<>(options);
        this.output = this.options.remove("output");
        if (output != null && !HadoopInputs.isUri(output)) {
            throw new IllegalArgumentException("executor option 'output': a Hadoop URI (hdfs://, s3a://, file:), got '"
                    + output + "'");
        }
        this.shared = null;
    }

    /**
     * On a context the caller owns (tests share one per class); it is not stopped.
     *
     * @param output a Hadoop URI the run's output goes to (the run's own directory is then the driver's staging
     *               directory), or null to write the run's directory directly
     */
    public SparkExecutor(JavaSparkContext context, String output) {
        this.options = Map.of();
        this.shared = context;
        this.output = output;
    }

    public SparkExecutor(JavaSparkContext context) {
        this(context, null);
    }

    @Override
    public DataPipeline.Result run(Stages stages) throws IOException {
        if (shared != null) {
            return run(stages, shared, output);
        }
        long before = System.currentTimeMillis();
        SparkConf conf = new SparkConf().setAppName("stratum data prepare").set("spark.ui.enabled", "false");
        options.forEach((k, v) -> {
            if (k.equals("master")) {
                conf.setMaster(v);
            } else {
                conf.set(k, v);
            }
        });
        if (!conf.contains("spark.master")) {
            throw new IllegalArgumentException("executor option 'master' is missing: give --master (e.g. "
                    + "local[2]) or submit with scripts/spark-submit.sh");
        }
        SparkContext sc = SparkContext.getOrCreate(conf);
        // a context this JVM already ran (a notebook's) stays up; ours stops with the run
        boolean ours = sc.startTime() >= before;
        try {
            return run(stages, JavaSparkContext.fromSparkContext(sc), output);
        } finally {
            if (ours) {
                sc.stop();
            }
        }
    }

    private static DataPipeline.Result run(Stages stages, JavaSparkContext jsc, String output) throws IOException {
        RunContext ctx = stages.ctx;
        byte[] hadoopConf = HadoopInputs.bytes(jsc.hadoopConfiguration());
        RemoteOutput remote = output == null ? null : new RemoteOutput(output, hadoopConf);
        String fingerprint = Encoders.of(ctx.recipe.tokenizer()).fingerprint();
        if (!fingerprint.equals(ctx.encoder.fingerprint())) {
            throw new IllegalArgumentException("tokenizer: the Spark executor's tasks build the tokenizer from the "
                    + "recipe (" + fingerprint + "), which is not the one given (" + ctx.encoder.fingerprint() + ")");
        }
        if (remote != null) {
            remote.download("work/recipe.json", ctx.out);
        }
        ctx.prepare();
        if (remote != null) {
            remote.upload(ctx.out, java.util.Set.of());
        }
        List<String[]> files = HadoopInputs.list(ctx.recipe, jsc.hadoopConfiguration());
        TaskStages task = TaskStages.of(System.nanoTime() ^ ((long) System.identityHashCode(stages) << 32),
                ctx.recipe, ctx.out, files, ctx.checkpoint(), jsc.getConf().getInt("spark.task.cpus", 1),
                hadoopConf, remote);
        List<InputSplit> splits = IntStream.range(0, files.size()).mapToObj(task::split).toList();
        int n = splits.size();
        List<Integer> indices = IntStream.range(0, n).boxed().toList();
        int partitions = Math.max(1, jsc.defaultParallelism());

        long t = System.nanoTime();
        ctx.progress().phase("filter", n);
        jsc.setJobDescription("stratum: filter (read, per-document steps, dedup signatures)");
        jsc.parallelize(indices, n).foreach(task::filter);
        t = lap(ctx, "filter", t);

        ctx.progress().phase("dedup", 1);
        boolean dedupDone = remote == null ? stages.dedup.isDone() : remote.exists("work/dedup/dedup.done");
        if (!dedupDone) {
            dedup(jsc, task, stages, indices, partitions);
            if (remote != null) {
                remote.upload(ctx.out, java.util.Set.of("work/recipe.json"));
            }
        }
        t = lap(ctx, "dedup", t);

        ctx.progress().phase("tokens", n);
        jsc.setJobDescription("stratum: tokens (dedup filter, PII, mix, tokenize)");
        jsc.parallelize(indices, n).foreach(task::tokens);
        t = lap(ctx, "tokens", t);

        if (ctx.recipe.output().documents().contains("parquet")) {
            ctx.progress().phase("documents", n);
            if (remote != null) {
                for (String phase : List.of("filter", "dedup", "tokens")) {
                    remote.downloadDir("work/" + phase, "stats.json", ctx.out);
                }
            }
            List<String> keys = DocumentOutputs.metadataKeys(stages.shards.mergedStats(splits));
            jsc.setJobDescription("stratum: documents (Parquet)");
            jsc.parallelize(indices, n).foreach(i -> task.documents(i, keys));
            lap(ctx, "documents", t);
        }
        ctx.progress().phase("final", 1);
        if (remote == null) {
            return stages.shards.run(splits);
        }
        // the final concatenation on the driver, from downloaded streams, then its files uploaded
        java.util.Set<String> downloaded = new java.util.HashSet<>();
        for (String phase : List.of("filter", "dedup", "tokens")) {
            downloaded.addAll(remote.downloadDir("work/" + phase, "stats.json", ctx.out));
        }
        for (String rel : List.of("work/final.done", "manifest.json", "stats.json")) {
            if (remote.download(rel, ctx.out)) {
                downloaded.add(rel);
            }
        }
        if (!downloaded.contains("work/final.done")) {
            downloaded.addAll(remote.downloadDir("work/tokens", ".bin", ctx.out));
        }
        DataPipeline.Result result = stages.shards.run(splits);
        java.util.Set<String> skip = new java.util.HashSet<>();
        try (var walk = java.nio.file.Files.walk(ctx.work())) {
            walk.filter(java.nio.file.Files::isRegularFile).filter(p -> !p.endsWith("final.done"))
                    .forEach(p -> skip.add(ctx.out.relativize(p).toString().replace('\\', '/')));
        }
        skip.remove("work/final.done");
        remote.upload(ctx.out, skip);
        return result;
    }

    private static void dedup(JavaSparkContext jsc, TaskStages task, Stages stages, List<Integer> indices,
                              int partitions) throws IOException {
        long t0 = System.nanoTime();
        RunContext ctx = stages.ctx;
        int n = indices.size();
        jsc.setJobDescription("stratum: dedup (signatures, buckets, clusters)");
        JavaRDD<DocSignature> sigs = jsc.parallelize(indices, n).mapPartitions(it -> {
            List<DocSignature> out = new ArrayList<>();
            while (it.hasNext()) {
                out.addAll(task.signatures(it.next()));
            }
            return out.iterator();
        });
        sigs.persist(StorageLevel.MEMORY_AND_DISK());
        long documents = sigs.count();
        JavaRDD<SparkDedup.Removal> removals = SparkDedup.removals(sigs, ctx.recipe.dedup().exact(),
                ctx.recipe.dedup().minhash(), partitions);
        removals.persist(StorageLevel.MEMORY_AND_DISK());
        Map<String, Long> reasons = new TreeMap<>(removals.map(SparkDedup.Removal::reason).countByValue());
        // the kept document's id, then every split's removals into its file (an empty one for a split without)
        JavaPairRDD<Integer, WorkFiles.Removed> bySplit = removals
                .mapToPair(r -> new Tuple2<>(r.keptKey(), r))
                .join(sigs.mapToPair(s -> new Tuple2<>(s.key(), s.id())), partitions)
                .mapToPair(t -> {
                    SparkDedup.Removal r = t._2()._1();
                    return new Tuple2<>(DocSignature.splitOf(r.key()), new WorkFiles.Removed(
                            DocSignature.ordinalOf(r.key()), r.reason(), t._2()._2()));
                });
        jsc.parallelize(indices, n).mapToPair(i -> new Tuple2<>(i, true))
                .cogroup(bySplit, n)
                .foreach(g -> {
                    List<WorkFiles.Removed> list = new ArrayList<>();
                    g._2()._2().forEach(list::add);
                    task.removed(g._1(), list);
                });
        removals.unpersist(false);
        sigs.unpersist(false);
        stages.dedup.finish(documents, reasons, System.nanoTime() - t0);
    }

    private static long lap(RunContext ctx, String phase, long since) {
        long now = System.nanoTime();
        ctx.addPhaseNanos(phase, now - since);
        return now;
    }
}
