package ai.stratum.cli.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code stratum bench ...}: throughput measured as ratios against a reference in the same run. */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks: each reports throughput against a reference measured in the same run.",
        subcommands = {
                SgemmBenchCommand.class,
                TokenizerBenchCommand.class,
                TrainBenchCommand.class,
                DataBenchCommand.class,
                GenerateBenchCommand.class,
        })
public final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a benchmark is required; see 'stratum bench --help'");
    }
}
