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
        description = "Draw a run's training and validation loss from metrics.jsonl into loss.png.")
public final class PlotCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "RUN_DIR", description = "A run directory holding metrics.jsonl.")
    Path runDir;

    @Option(names = "--out", paramLabel = "FILE", description = "The PNG to write (default: RUN_DIR/loss.png).")
    Path out;

    @Override
    public Integer call() throws IOException {
        Path file = out != null ? out : runDir.resolve("loss.png");
        LossPlot.Summary s = LossPlot.write(runDir, file);
        spec.commandLine().getOut().printf("wrote %s (%d training points, %d validation points)%n", file,
                s.trainPoints(), s.valPoints());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
