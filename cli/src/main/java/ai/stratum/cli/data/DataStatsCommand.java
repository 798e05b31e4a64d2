package ai.stratum.cli.data;

import ai.stratum.data.run.StatsTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code stratum data stats DIR}: the per-step table of a finished run. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Print the per-step table (documents in, kept, dropped by reason, MB, MB/s) of a run.")
public final class DataStatsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "The --out directory of 'stratum data prepare'.")
    Path dir;

    @Override
    public Integer call() throws Exception {
        spec.commandLine().getOut().print(StatsTable.render(dir));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
