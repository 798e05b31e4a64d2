package ai.stratum.cli.data;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code stratum data classifier ...}: the quality classifier of the recipe step {@code quality}. */
@Command(name = "classifier", mixinStandardHelpOptions = true,
        description = "Train the fast quality classifier (hashed word n-grams, linear) that the 'quality' step uses.",
        subcommands = {ClassifierTrainCommand.class})
public final class ClassifierCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
                "a subcommand is required; see 'stratum data classifier --help'");
    }
}
