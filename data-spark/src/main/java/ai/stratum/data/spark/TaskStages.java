package ai.stratum.data.spark;

import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.recipe.InputConfig;
import ai.stratum.data.run.DataPipeline;
import ai.stratum.data.run.InputSplit;
import ai.stratum.data.run.RecipeJson;
import ai.stratum.data.run.Stages;
import ai.stratum.data.shard.Encoders;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What a Spark task needs to rebuild the stages of a run in its own JVM: the recipe (as JSON), the output
 * directory, the input splits and the checkpoint hook. The stages are built once per run and JVM and shared by
 * the tasks that run there (their per-document steps are per thread).
 *
 * @param run      an id unique to one {@code run()} on the driver, which keys the cache
 * @param splits   input name and file (a local path or a Hadoop URI) of each split, in split order
 * @param taskCpus {@code spark.task.cpus}: a task with more than one core runs its split's batches on that many
 *                 threads, as the local executor's step pool does (for inputs of few, large files)
 * @param hadoopConf the driver's Hadoop configuration ({@link HadoopInputs#bytes})
 */
record TaskStages(long run, String recipeJson, String out, List<String[]> splits,
                  DataPipeline.Checkpoint checkpoint, int taskCpus, byte[] hadoopConf, RemoteOutput remote)
        implements Serializable {
    private static final Map<Long, Stages> CACHE = new ConcurrentHashMap<>();
    private static final Map<Integer, ExecutorService> POOLS = new ConcurrentHashMap<>();

    static TaskStages of(long run, DataRecipe recipe, Path out, List<String[]> splits,
                         DataPipeline.Checkpoint checkpoint, int taskCpus, byte[] hadoopConf, RemoteOutput remote) {
        return new TaskStages(run, RecipeJson.write(recipe), out.toAbsolutePath().toString(), splits, checkpoint,
                taskCpus, hadoopConf, remote);
    }

    /** A stage's work for one unit, on stages whose output directory is given. */
    interface Unit {
        void run(Stages stages) throws java.io.IOException;
    }

    /**
     * Runs a unit of work: on the shared output directory, or with a {@link RemoteOutput} on a fresh local
     * directory holding the files it reads ({@code reads}, relative), whose new files are then uploaded, the
     * marker last, before the checkpoint hook is called. Skipped when the remote marker exists.
     */
    void unit(String phase, int split, List<String> reads, Unit body) throws java.io.IOException {
        if (remote == null) {
            body.run(stages());
            return;
        }
        if (split >= 0 && remote.exists("work/" + phase + "/" + InputSplit.stem(split) + ".done")) {
            return;
        }
        Path dir = java.nio.file.Files.createTempDirectory("stratum-unit");
        try {
            java.util.Set<String> downloaded = new java.util.HashSet<>();
            for (String rel : reads) {
                if (remote.download(rel, dir)) {
                    downloaded.add(rel);
                }
            }
            DataRecipe recipe = stages().ctx.recipe;
            body.run(new Stages(recipe, stages().ctx.encoder, dir, null, null));
            remote.upload(dir, downloaded);
            if (split >= 0) {
                checkpoint.completed(phase, split);
            }
        } finally {
            RemoteOutput.deleteTree(dir);
        }
    }

    /** Split {@code i}'s dedup signatures. */
    List<ai.stratum.data.dedup.DocSignature> signatures(int i) throws java.io.IOException {
        if (remote == null) {
            return ai.stratum.data.run.WorkFiles.readSignatures(stages().filter.signatures(i), i);
        }
        Path dir = java.nio.file.Files.createTempDirectory("stratum-sig");
        try {
            String rel = "work/filter/" + InputSplit.stem(i) + ".sig";
            remote.download(rel, dir);
            return ai.stratum.data.run.WorkFiles.readSignatures(dir.resolve(rel), i);
        } finally {
            RemoteOutput.deleteTree(dir);
        }
    }

    /** Runs the filter stage of split {@code i}, on a local copy of its file when that is a Hadoop URI. */
    void filter(int i) throws java.io.IOException {
        InputSplit s = split(i);
        if (remote == null && java.nio.file.Files.exists(stages().ctx.done("filter", i))) {
            return;
        }
        unit("filter", i, List.of(), st -> {
            String file = splits.get(i)[1];
            Path local = HadoopInputs.local(file, hadoopConf);
            try {
                st.filter.run(s, local, pool(), taskCpus);
            } finally {
                HadoopInputs.release(file, local);
            }
        });
    }

    void tokens(int i) throws java.io.IOException {
        String stem = InputSplit.stem(i);
        unit("tokens", i, List.of("work/filter/" + stem + ".docs.jsonl", "work/dedup/" + stem + ".removed"),
                st -> st.tokens.run(split(i), pool(), taskCpus));
    }

    void documents(int i, List<String> keys) throws java.io.IOException {
        String stem = InputSplit.stem(i);
        String name = stages().ctx.recipe.output().name() + "-" + stem;
        unit("documents", i, List.of("documents/" + name + ".jsonl", "documents/" + name + ".jsonl.zst",
                "work/tokens/" + stem + ".kept.jsonl"), st -> st.documents.writeParquet(split(i), keys));
    }

    void removed(int i, List<ai.stratum.data.run.WorkFiles.Removed> removed) throws java.io.IOException {
        unit("dedup", -1, List.of(), st -> st.dedup.writeRemoved(i, removed));
    }

    /** The batch pool of a task: none (batches on the task's thread) for one core. */
    ExecutorService pool() {
        if (taskCpus <= 1) {
            return null;
        }
        return POOLS.computeIfAbsent(taskCpus, n -> Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "stratum-steps");
            t.setDaemon(true);
            return t;
        }));
    }

    /** This run's stages in this JVM, built on first use; stages of earlier runs are dropped then. */
    Stages stages() {
        Stages s = CACHE.get(run);
        if (s != null) {
            return s;
        }
        synchronized (CACHE) {
            s = CACHE.get(run);
            if (s == null) {
                CACHE.clear();
                DataRecipe recipe = RecipeJson.read(recipeJson);
                s = new Stages(recipe, Encoders.of(recipe.tokenizer()), Path.of(out), null, checkpoint);
                CACHE.put(run, s);
            }
            return s;
        }
    }

    InputSplit split(int i) {
        String[] ref = splits.get(i);
        InputConfig input = stages().ctx.recipe.inputs().stream().filter(in -> in.name().equals(ref[0]))
                .findFirst().orElseThrow();
        return new InputSplit(i, input, HadoopInputs.isUri(ref[1]) ? Path.of(i + ".remote") : Path.of(ref[1]));
    }
}
