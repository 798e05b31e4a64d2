package ai.stratum.cli.data;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code stratum data ...}: the data pipeline. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Turn raw web data into clean, deduplicated, weighted llm.c token shards.",
        subcommands = {DataPrepareCommand.class, DataStatsCommand.class, ClassifierCommand.class,
                AnnotateCommand.class, PerplexityBucketsCommand.class})
public final class DataCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required; see 'stratum data --help'");
    }
}
