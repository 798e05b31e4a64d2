package ai.stratum.cli.train;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code stratum plot}: the loss curve of a run as a PNG. */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = {"Draw a run's training and validation loss from metrics.jsonl into loss.png (and a "
                + "distillation run's CE and KL parts).", "Several runs draw into one chart (--out FILE needed), e.g. a "
                + "distilled student against the same student trained on hard labels."})
public final class PlotCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "RUN_DIR", arity = "1..*", description = "Run directories holding metrics.jsonl.")
    java.util.List<Path> runDirs;

    @Option(names = "--out", paramLabel = "FILE", description = "The PNG to write (default: RUN_DIR/loss.png).")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (out == null && runDirs.size() > 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "plot of " + runDirs.size()
                    + " runs needs --out FILE (one chart for all of them)");
        }
        Path file = out != null ? out : runDirs.get(0).resolve("loss.png");
        LossPlot.Summary s = LossPlot.write(runDirs, file);
        spec.commandLine().getOut().printf("wrote %s (%d training points, %d validation points)%n", file,
                s.trainPoints(), s.valPoints());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
