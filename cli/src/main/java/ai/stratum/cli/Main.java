package ai.stratum.cli;

import ai.stratum.config.ConfigException;
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
        cmd.setExecutionExceptionHandler((ex, failed, parseResult) -> report(ex, exitCode(ex), message(ex), err, verbose));
        try {
            return cmd.execute(args);
        } catch (LinkageError e) {
            // Errors pass picocli's handler; a native library that cannot load (ND4J's backend) arrives here
            return report(e, USER_ERROR, linkageMessage(e), err, verbose);
        }
    }

    private static int report(Throwable ex, int code, String message, PrintWriter err, boolean verbose) {
        err.println("stratum: " + (code == USER_ERROR ? "" : "internal error: ") + message);
        if (verbose) {
            ex.printStackTrace(err);
        } else if (code != USER_ERROR) {
            err.println("(run again with --verbose for the stack trace)");
        }
        err.flush();
        return code;
    }

    /**
     * What to do about a class or native library that failed to load: ND4J's backend (a CUDA build on a machine
     * without the CUDA driver, a CPU build on an unsupported platform) is the case users meet.
     */
    static String linkageMessage(Throwable ex) {
        Throwable root = ex;
        boolean backend = false;
        for (Throwable t = ex; t != null; t = t.getCause()) {
            root = t;
            String m = String.valueOf(t.getMessage()) + " " + t.getClass().getName();
            backend |= m.contains("nd4j") || m.contains("Nd4j") || m.contains("javacpp") || m.contains("cuda");
        }
        for (StackTraceElement e : ex.getStackTrace()) {
            backend |= e.getClassName().startsWith("org.nd4j");
        }
        String cause = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
        if (!backend) {
            return "a class or native library failed to load (" + cause + ")";
        }
        return "the ND4J backend could not be loaded (" + cause + "). A CUDA build (mvn -Pcuda) runs only where the"
                + " NVIDIA driver and CUDA 11.6 are installed; for the CPU, rebuild with 'mvn -DskipTests package'"
                + " (./stratum rebuilds by itself after 'rm -rf cli/target')";
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
        if (m == null || m.isBlank()) {
            return t.getClass().getSimpleName();
        }
        // operating-system messages that name no file: say at least what happened and what to do
        if (m.equals("No space left on device")) {
            return "no space left on device: the disk is full; free space on it (or write to another disk) and run "
                    + "again (an interrupted training run continues with --resume)";
        }
        if (m.equals("Is a directory")) {
            return "a directory was given where a file is expected; check the file paths given to the command";
        }
        if (t instanceof java.nio.charset.MalformedInputException) {
            return "a file is not valid UTF-8 (" + m + "); check the text files given to the command";
        }
        return m;
    }
}
