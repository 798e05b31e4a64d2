package ai.stratum.data.run;

import ai.stratum.data.shard.ByteLevelEncoder;

import java.nio.file.Path;

/**
 * Runs the pipeline of {@link KillTest} over an existing corpus in a child JVM, pausing after each unit of work so that the test can
 * {@code kill -9} it in the middle of a run. Arguments: corpus directory, output directory, pause millis.
 */
public final class KillMain {
    private KillMain() {
    }

    public static void main(String[] args) throws Exception {
        long pause = Long.parseLong(args[2]);
        new DataPipeline(KillTest.recipe(Path.of(args[0])), new ByteLevelEncoder(), null, (phase, shard) -> {
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).run(Path.of(args[1]));
    }
}
