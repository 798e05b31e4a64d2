package ai.stratum.cli.data;

import ai.stratum.cli.UserException;
import ai.stratum.config.ConfigLoader;
import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.run.DataPipeline;
import ai.stratum.data.run.Executor;
import ai.stratum.data.run.Progress;
import ai.stratum.data.run.StatsTable;
import ai.stratum.data.shard.Encoders;
import ai.stratum.io.RunDirLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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

    @Option(names = "--out", paramLabel = "DIR", required = true,
            description = "Output directory; with --executor spark also a Hadoop URI (hdfs://..., s3a://...).")
    String outArg;

    @Option(names = "--preset", paramLabel = "NAME", defaultValue = DEFAULT_PRESET,
            description = "Base preset (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one recipe key, e.g. --set output.shard_tokens=1000000 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--executor", paramLabel = "NAME", defaultValue = "local",
            description = {"Where the stages run: local (threads in this process, the default) or spark (the "
                    + "data-spark module; the launcher adds it to the class path when this option says spark).",
                    "Both give the same output, and either resumes the other's run."})
    String executor;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master for --executor spark, e.g. local[2] (in this process) or spark://host:7077; "
                    + "omit under scripts/spark-submit.sh.")
    String master;

    @Option(names = "--executor-option", paramLabel = "KEY=VALUE",
            description = "An executor option, e.g. --executor-option spark.executor.memory=4g (repeatable).")
    List<String> executorOptions = new ArrayList<>();

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
        Map<String, String> options = executorOptions();
        Path out;
        boolean remote = outArg.matches("[A-Za-z][A-Za-z0-9+.-]*://.*");
        if (remote) {
            if (!executor.equals("spark")) {
                throw new UserException("--out " + outArg + ": a Hadoop URI needs --executor spark (the local "
                        + "executor writes local paths)");
            }
            options.put("output", outArg);
            out = java.nio.file.Files.createTempDirectory("stratum-driver-staging");
        } else {
            out = Path.of(outArg);
        }
        Executor exec = Executor.named(executor, options);
        Progress progress = new Progress();
        DataPipeline pipeline = new DataPipeline(resolved.value(), Encoders.of(resolved.value().tokenizer()),
                progress, null, exec);
        DataPipeline.Result result;
        try (RunDirLock lock = RunDirLock.acquire(out);
             ProgressBar bar = new ProgressBar(progress, stderr, progressMillis)) {
            result = pipeline.run(out);
            if (!remote) {
                resolved.writeTo(out.resolve("recipe.yaml"));
            }
        }
        stdout.printf("%s: %d train + %d val tokens in %d shards; %d of %d input records kept, %d rejected "
                        + "(see %s/rejects)%n", outArg, result.trainTokens(), result.valTokens(),
                result.shards().size(), result.outputDocuments(), result.inputRecords(), result.rejected(), outArg);
        stdout.print(StatsTable.render(out));
        stdout.flush();
        return 0;
    }

    /** {@code --master} and {@code --executor-option}s as the executor's options map. */
    private Map<String, String> executorOptions() {
        Map<String, String> options = new TreeMap<>();
        if (master != null) {
            options.put("master", master);
        }
        for (String kv : executorOptions) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new ParameterException(spec.commandLine(), "--executor-option: expected KEY=VALUE, got '"
                        + kv + "'");
            }
            options.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return options;
    }
}
