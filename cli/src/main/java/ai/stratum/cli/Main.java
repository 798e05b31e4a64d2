package ai.stratum.cli;

import ai.stratum.cli.config.ConfigException;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;

/**
 * Entry point of the {@code stratum} command. Exit codes: 0 success, 1 an internal failure, 2 a user error
 * (bad flag, missing file, bad config or input), each reported as one clear message; {@code --verbose} adds
 * the stack trace.
 */
public final class Main {

    public static final int OK = 0;
    public static final int INTERNAL_ERROR = 1;
    public static final int USER_ERROR = 2;

    private Main() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        int code = run(args, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs one command line in this process and returns its exit code (what tests call). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(new StratumCommand(), args, out, err);
    }

    /** Runs {@code command} (a picocli command object) with Stratum's error handling and exit codes. */
    public static int run(Object command, String[] args, PrintWriter out, PrintWriter err) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        CommandLine cmd = new CommandLine(command);
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setExitCodeExceptionMapper(Main::exitCode);
        cmd.setParameterExceptionHandler((ex, argv) -> {
            err.println("stratum: " + ex.getMessage());
            CommandLine failed = ex.getCommandLine();
            err.println("Try '" + failed.getCommandSpec().qualifiedName() + " --help' for usage.");
            return USER_ERROR;
        });
        cmd.setExecutionExceptionHandler((ex, failed, parseResult) -> {
            int code = exitCode(ex);
            err.println("stratum: " + (code == USER_ERROR ? "" : "internal error: ") + message(ex));
            if (verbose) {
                ex.printStackTrace(err);
            } else if (code != USER_ERROR) {
                err.println("(run again with --verbose for the stack trace)");
            }
            err.flush();
            return code;
        });
        return cmd.execute(args);
    }

    /** User errors are the ones a user can fix: arguments, files, configs, input data. */
    static int exitCode(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof ConfigException || t instanceof UserException || t instanceof IllegalArgumentException
                    || t instanceof IOException || t instanceof UncheckedIOException
                    || t instanceof CommandLine.ParameterException) {
                return USER_ERROR;
            }
        }
        return INTERNAL_ERROR;
    }

    static String message(Throwable ex) {
        Throwable t = ex instanceof UncheckedIOException && ex.getCause() != null ? ex.getCause() : ex;
        if (t instanceof NoSuchFileException e) {
            return "file not found: " + e.getFile() + (e.getReason() == null ? "" : " (" + e.getReason() + ")");
        }
        if (t instanceof AccessDeniedException e) {
            return "permission denied: " + e.getFile();
        }
        if (t instanceof FileAlreadyExistsException e) {
            return "already exists: " + e.getFile();
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
