package ai.stratum.cli;

import ai.stratum.cli.bench.BenchCommand;
import ai.stratum.cli.env.EnvCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code stratum} command: every subcommand is a thin layer over a library entry point. */
@Command(name = "stratum",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Pretrain and fine-tune decoder-only language models on the JVM.",
        subcommands = {
                EnvCommand.class,
                BenchCommand.class,
                ai.stratum.cli.train.PretrainCommand.class, ai.stratum.cli.train.EvalCommand.class,
                ai.stratum.cli.train.GenerateCommand.class, ai.stratum.cli.train.PlotCommand.class,
                ai.stratum.cli.tokenizer.TokenizerCommand.class,
                ai.stratum.cli.data.DataCommand.class,
        })
public final class StratumCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Option(names = "--verbose", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Print stack traces of errors.")
    boolean verbose;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is required; see 'stratum --help'");
    }
}
