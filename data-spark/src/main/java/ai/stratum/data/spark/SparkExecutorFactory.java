package ai.stratum.data.spark;

import ai.stratum.data.run.Executor;

import java.util.Map;

/** {@code --executor spark}: registered for {@link java.util.ServiceLoader} in {@code META-INF/services}. */
public final class SparkExecutorFactory implements Executor.Factory {
    @Override
    public String name() {
        return "spark";
    }

    @Override
    public Executor create(Map<String, String> options) {
        return new SparkExecutor(options);
    }
}
