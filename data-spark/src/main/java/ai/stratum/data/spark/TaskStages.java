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

/**
 * What a Spark task needs to rebuild the stages of a run in its own JVM: the recipe (as JSON), the output
 * directory, the input splits and the checkpoint hook. The stages are built once per run and JVM and shared by
 * the tasks that run there (their per-document steps are per thread).
 *
 * @param run    an id unique to one {@code run()} on the driver, which keys the cache
 * @param splits input name and file of each split, in split order
 */
record TaskStages(long run, String recipeJson, String out, List<String[]> splits,
                  DataPipeline.Checkpoint checkpoint) implements Serializable {
    private static final Map<Long, Stages> CACHE = new ConcurrentHashMap<>();

    static TaskStages of(long run, DataRecipe recipe, Path out, List<InputSplit> splits,
                         DataPipeline.Checkpoint checkpoint) {
        return new TaskStages(run, RecipeJson.write(recipe), out.toAbsolutePath().toString(),
                splits.stream().map(s -> new String[] {s.input().name(), s.file().toString()}).toList(), checkpoint);
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
        return new InputSplit(i, input, Path.of(ref[1]));
    }
}
