package ai.stratum.cli;

import ai.stratum.cli.config.TestConfigAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {

    @TempDir
    Path dir;

    /** Output of one in-process run. */
    record Result(int code, String out, String err) {
    }

    static Result run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = command == null
                ? Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true))
                : Main.run(command, args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    /** A configurable command as real ones are written: options, one library call, an exit code. */
    @Command(name = "configured")
    static final class ConfiguredCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ConfigOptions config;
        @picocli.CommandLine.Option(names = "--crash")
        boolean crash;
        @picocli.CommandLine.Option(names = "--verbose")
        boolean verbose;

        @Override
        public Integer call() {
            var resolved = config.resolve(TestConfigAccess.runType(), "test-base");
            if (config.dryRun()) {
                spec.commandLine().getOut().print(resolved.toYaml());
                return 0;
            }
            if (crash) {
                throw new IllegalStateException("invariant broken");
            }
            spec.commandLine().getOut().println("ran " + resolved.value());
            return 0;
        }
    }

    @Test
    void operatingSystemMessagesThatNameNoFileSayWhatToDo() throws Exception {
        assertTrue(Main.message(new java.io.IOException("No space left on device")).contains("the disk is full; "
                + "free space on it"));
        assertEquals(2, Main.exitCode(new java.io.IOException("Is a directory")));
        assertTrue(Main.message(new java.io.IOException("Is a directory"))
                .startsWith("a directory was given where a file is expected"));
    }

    @Test
    void helpAndVersionExitZero() {
        Result help = run(null, "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("env"), help.out());
        assertTrue(help.out().contains("bench"), help.out());
        Result version = run(null, "--version");
        assertEquals(0, version.code());
        assertTrue(version.out().startsWith("stratum "), version.out());
    }

    @Test
    void badFlagsAndUnknownCommandsExitTwoWithOneMessage() {
        Result unknown = run(null, "frobnicate");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("frobnicate"), unknown.err());
        assertFalse(unknown.err().contains("\tat "), "no stack trace: " + unknown.err());

        Result badFlag = run(null, "env", "--no-such-flag");
        assertEquals(2, badFlag.code());
        assertTrue(badFlag.err().contains("--no-such-flag"), badFlag.err());
        assertTrue(badFlag.err().contains("stratum env --help"), badFlag.err());

        Result none = run(null);
        assertEquals(2, none.code());
    }

    @Test
    void badConfigExitsTwoNamingKeyAndFile() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "model:\n  n_layer: -3\n");
        Result r = run(new ConfiguredCommand(), "--config", file.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("model.n_layer") && r.err().contains(file.toString()), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose: " + r.err());

        Result missing = run(new ConfiguredCommand(), "--config", dir.resolve("absent.yaml").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("config file not found"), missing.err());

        Result badSet = run(new ConfiguredCommand(), "--set", "model.n_layer=lots");
        assertEquals(2, badSet.code());
        assertTrue(badSet.err().contains("--set model.n_layer"), badSet.err());
    }

    @Test
    void dryRunPrintsTheResolvedConfig() {
        Result r = run(new ConfiguredCommand(), "--dry-run", "--set", "model.n_layer=7");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("n_layer: 7"), r.out());
        assertTrue(r.out().contains("dropout: 0.1"), r.out());
        assertFalse(r.out().contains("ran "), "a dry run does not run");
    }

    @Test
    void internalErrorsExitOneAndVerboseShowsTheTrace() {
        Result r = run(new ConfiguredCommand(), "--crash");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("internal error: invariant broken"), r.err());
        assertTrue(r.err().contains("--verbose"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());

        Result verbose = run(new ConfiguredCommand(), "--crash", "--verbose");
        assertEquals(1, verbose.code());
        assertTrue(verbose.err().contains("\tat "), "stack trace with --verbose: " + verbose.err());
    }

    /** A command whose library fails as ND4J does when its native backend cannot load (no CUDA driver). */
    @Command(name = "nobackend")
    static final class NoBackendCommand implements Callable<Integer> {
        @picocli.CommandLine.Option(names = "--verbose")
        boolean verbose;

        @Override
        public Integer call() {
            throw new ExceptionInInitializerError(new RuntimeException(new IllegalStateException(
                    "Please ensure that you have an nd4j backend on your classpath")));
        }
    }

    @Test
    void aBackendThatCannotLoadGetsOneMessageSayingWhatToDo() {
        Result r = run(new NoBackendCommand());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("stratum: the ND4J backend could not be loaded (IllegalStateException: Please"
                + " ensure that you have an nd4j backend on your classpath)"), r.err());
        assertTrue(r.err().contains("mvn -DskipTests package"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertTrue(run(new NoBackendCommand(), "--verbose").err().contains("\tat "));

        String other = Main.linkageMessage(new NoClassDefFoundError("com/example/Missing"));
        assertEquals("a class or native library failed to load (NoClassDefFoundError: com/example/Missing)", other);
    }

    @Test
    void envReportsBackendAndVectorFlags() {
        Result r = run(null, "env", "--no-probe");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("nd4j backend"), r.out());
        assertTrue(r.out().contains("vector flags"), r.out());
        assertTrue(r.out().contains("OMP_WAIT_POLICY"), r.out());
    }

    @Test
    void sgemmBenchReportsAPositivePeak() {
        Result r = run(null, "bench", "sgemm", "--sizes", "64,128", "--millis", "20");
        assertEquals(0, r.code(), r.err());
        var m = java.util.regex.Pattern.compile("peak: ([0-9.]+) GFLOP/s").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Double.parseDouble(m.group(1)) > 0.1, r.out());
    }
}
