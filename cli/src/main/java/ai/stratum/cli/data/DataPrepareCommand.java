package ai.stratum.cli.data;

import ai.stratum.config.ConfigLoader;
import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.run.DataPipeline;
import ai.stratum.data.run.Progress;
import ai.stratum.data.run.StatsTable;
import ai.stratum.data.shard.Encoders;
import ai.stratum.io.RunDirLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code stratum data prepare --recipe FILE --out DIR}: run a recipe; rerunning resumes after a crash. */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = {"Run a data recipe: read, filter, dedup, redact, mix and tokenize into llm.c shards.",
                "A rerun with the same --out resumes: finished work is skipped."})
public final class DataPrepareCommand implements Callable<Integer> {
    static final String DEFAULT_PRESET = "data/default";

    @Spec
    CommandSpec spec;

    @Option(names = "--recipe", paramLabel = "FILE", required = true,
            description = "The recipe (YAML), merged over the preset.")
    Path recipe;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Output directory.")
    Path out;

    @Option(names = "--preset", paramLabel = "NAME", defaultValue = DEFAULT_PRESET,
            description = "Base preset (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one recipe key, e.g. --set output.shard_tokens=1000000 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--dry-run", description = "Print the resolved recipe and exit.")
    boolean dryRun;

    @Option(names = "--progress-millis", defaultValue = "1000", hidden = true)
    long progressMillis;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        ConfigLoader.Resolved<DataRecipe> resolved = ConfigLoader.load(DataRecipe.class, preset, recipe, overrides);
        if (dryRun) {
            stdout.print(resolved.toYaml());
            stdout.flush();
            return 0;
        }
        Progress progress = new Progress();
        DataPipeline pipeline = new DataPipeline(resolved.value(), Encoders.of(resolved.value().tokenizer()),
                progress, null);
        DataPipeline.Result result;
        try (RunDirLock lock = RunDirLock.acquire(out);
             ProgressBar bar = new ProgressBar(progress, stderr, progressMillis)) {
            result = pipeline.run(out);
            resolved.writeTo(out.resolve("recipe.yaml"));
        }
        stdout.printf("%s: %d train + %d val tokens in %d shards; %d of %d input records kept, %d rejected "
                        + "(see %s)%n", out, result.trainTokens(), result.valTokens(), result.shards().size(),
                result.outputDocuments(), result.inputRecords(), result.rejected(), out.resolve("rejects"));
        stdout.print(StatsTable.render(out));
        stdout.flush();
        return 0;
    }
}
