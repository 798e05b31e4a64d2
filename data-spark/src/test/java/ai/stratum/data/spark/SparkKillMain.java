package ai.stratum.data.spark;

import ai.stratum.data.run.DataPipeline;
import ai.stratum.data.shard.ByteLevelEncoder;

import java.nio.file.Path;
import java.util.Map;

/**
 * A Spark job (local[2]) of {@link SparkExecutorTest#recipe} in a child JVM that pauses after each unit of work, so
 * that the test can {@code kill -9} the driver and its executors mid-run. Arguments: corpus, output, pause millis.
 */
public final class SparkKillMain {
    private SparkKillMain() {
    }

    public static void main(String[] args) throws Exception {
        long pause = Long.parseLong(args[2]);
        DataPipeline.Checkpoint slow = (phase, shard) -> {
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        new DataPipeline(SparkExecutorTest.recipe(Path.of(args[0])), new ByteLevelEncoder(), null, slow,
                new SparkExecutor(Map.of("master", "local[2]", "spark.driver.host", "127.0.0.1",
                        "spark.driver.bindAddress", "127.0.0.1"))).run(Path.of(args[1]));
    }
}
