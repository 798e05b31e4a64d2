package ai.stratum.cli;

import ai.stratum.cli.bench.BenchCommand;
import ai.stratum.cli.data.DataCommand;
import ai.stratum.cli.env.EnvCommand;
import ai.stratum.cli.quickstart.QuickstartCommand;
import ai.stratum.cli.tokenizer.TokenizerCommand;
import ai.stratum.cli.train.DistillCommand;
import ai.stratum.cli.train.EvalCommand;
import ai.stratum.cli.train.ExportCommand;
import ai.stratum.cli.train.FinetuneCommand;
import ai.stratum.cli.train.GenerateCommand;
import ai.stratum.cli.train.InitCommand;
import ai.stratum.cli.train.MergeCommand;
import ai.stratum.cli.train.PlotCommand;
import ai.stratum.cli.train.PretrainCommand;
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
                QuickstartCommand.class,
                EnvCommand.class,
                TokenizerCommand.class,
                DataCommand.class,
                InitCommand.class,
                PretrainCommand.class,
                FinetuneCommand.class,
                MergeCommand.class,
                ExportCommand.class,
                EvalCommand.class,
                GenerateCommand.class,
                DistillCommand.class,
                PlotCommand.class,
                BenchCommand.class,
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
