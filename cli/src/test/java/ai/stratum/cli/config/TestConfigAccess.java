package ai.stratum.cli.config;

/** Lets tests in other packages bind the config layer's test records. */
public final class TestConfigAccess {
    private TestConfigAccess() {
    }

    public static Class<?> runType() {
        return TestConfigs.Run.class;
    }
}
