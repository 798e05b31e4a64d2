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
                  DataPipeline.Checkpoint checkpoint, int taskCpus, byte[] hadoopConf) implements Serializable {
    private static final Map<Long, Stages> CACHE = new ConcurrentHashMap<>();
    private static final Map<Integer, ExecutorService> POOLS = new ConcurrentHashMap<>();

    static TaskStages of(long run, DataRecipe recipe, Path out, List<String[]> splits,
                         DataPipeline.Checkpoint checkpoint, int taskCpus, byte[] hadoopConf) {
        return new TaskStages(run, RecipeJson.write(recipe), out.toAbsolutePath().toString(), splits, checkpoint,
                taskCpus, hadoopConf);
    }

    /** Runs the filter stage of split {@code i}, on a local copy of its file when that is a Hadoop URI. */
    void filter(int i) throws java.io.IOException {
        InputSplit s = split(i);
        if (java.nio.file.Files.exists(stages().ctx.done("filter", i))) {
            return;
        }
        String file = splits.get(i)[1];
        Path local = HadoopInputs.local(file, hadoopConf);
        try {
            stages().filter.run(s, local, pool(), taskCpus);
        } finally {
            HadoopInputs.release(file, local);
        }
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

    Stages stages() {
        return CACHE.computeIfAbsent(run, r -> {
            CACHE.keySet().removeIf(k -> k != r);
            DataRecipe recipe = RecipeJson.read(recipeJson);
            return new Stages(recipe, Encoders.of(recipe.tokenizer()), Path.of(out), null, checkpoint);
        });
    }

    InputSplit split(int i) {
        String[] ref = splits.get(i);
        InputConfig input = stages().ctx.recipe.inputs().stream().filter(in -> in.name().equals(ref[0]))
                .findFirst().orElseThrow();
        return new InputSplit(i, input, HadoopInputs.isUri(ref[1]) ? Path.of(i + ".remote") : Path.of(ref[1]));
    }
}
