package ai.stratum.data.run;

import java.io.IOException;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * Runs the {@link Stages} of a recipe: decides where each unit of work runs and in which order, and must leave
 * the same output directory as every other executor (the stages' files, byte for byte). {@code local}
 * ({@link LocalExecutor}) is built in; others (the Spark executor of the {@code data-spark} module) are found
 * with {@link ServiceLoader} through {@link Factory}, so that the pipeline and the CLI carry their dependencies
 * only when asked for.
 */
public interface Executor {
    DataPipeline.Result run(Stages stages) throws IOException;

    /** Makes an executor by name; registered in {@code META-INF/services/ai.stratum.data.run.Executor$Factory}. */
    interface Factory {
        String name();

        /** @param options executor options by name (e.g. Spark's {@code master}); unknown ones are refused */
        Executor create(Map<String, String> options);
    }

    /**
     * The executor called {@code name}: {@code local}, or one a {@link Factory} on the class path makes.
     *
     * @throws IllegalArgumentException naming the executors available when there is none of that name
     */
    static Executor named(String name, Map<String, String> options) {
        if (name.equals("local")) {
            if (!options.isEmpty()) {
                throw new IllegalArgumentException("executor 'local' takes no options, got " + options.keySet());
            }
            return new LocalExecutor();
        }
        TreeSet<String> known = new TreeSet<>();
        known.add("local");
        for (Factory f : ServiceLoader.load(Factory.class, Executor.class.getClassLoader())) {
            if (f.name().equals(name)) {
                return f.create(options);
            }
            known.add(f.name());
        }
        throw new IllegalArgumentException("executor: '" + name + "' is not available; available: " + known
                + ("spark".equals(name) ? " (the Spark executor is the data-spark module: build it with "
                + "'mvn -pl data-spark -am package -DskipTests' and run with STRATUM_EXECUTORS=spark)" : ""));
    }
}
