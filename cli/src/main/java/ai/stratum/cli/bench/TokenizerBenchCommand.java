package ai.stratum.cli.bench;

import ai.stratum.tokenizer.Tokenizer;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.InputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stratum bench tokenizer}: encoding throughput of Stratum's tokenizer and of JTokkit on GPT-2's
 * vocabulary (r50k_base, read from JTokkit's jar by both), on the same text in the same run, single-threaded
 * and multi-threaded, after checking that both give the same ids. With {@code --tokenizer DIR} (e.g. Llama 3's
 * tokenizer.json) Stratum encodes with that tokenizer and JTokkit with cl100k_base, the same split-pattern
 * family with a 100k vocabulary; the ids then differ by design and only the token counts are shown.
 * {@code train} benchmarks training.
 */
@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = "Encode MB/s of Stratum vs JTokkit (GPT-2 vocabulary), 1 thread and N threads.",
        subcommands = TokenizerBenchTrainCommand.class)
public final class TokenizerBenchCommand implements Callable<Integer> {
    static final String R50K = "/com/knuddels/jtokkit/r50k_base.tiktoken";

    @Spec
    CommandSpec spec;

    @Option(names = "--input", arity = "1..*", paramLabel = "FILE",
            description = "UTF-8 text files (default: bench-data/**/*.txt, else generated text).")
    List<Path> inputs;

    @Option(names = "--generated-mb", defaultValue = "8", paramLabel = "MB",
            description = "Size of generated text when there are no input files (default: ${DEFAULT-VALUE}).")
    double generatedMb;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "Benchmark this tokenizer.json (or directory) against JTokkit's cl100k_base instead of GPT-2's vocabulary.")
    Path tokenizer;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for batch encoding (default: all cores).")
    Integer threads;

    @Option(names = "--seconds", defaultValue = "2", paramLabel = "S",
            description = "Minimum time per measurement, after a warm-up of half that (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--rounds", defaultValue = "3", paramLabel = "N",
            description = "Interleaved rounds; the best of each measurement is reported (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        int workers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        List<String> docs = TokenizerBenchInput.documents(TokenizerBenchInput.resolveFiles(inputs), (long) (generatedMb * 1e6), out);
        long bytes = TokenizerBenchInput.utf8Bytes(docs);
        out.printf("text: %.1f MB UTF-8%n", bytes / 1e6);

        Tokenizer ours;
        Encoding jtokkit;
        String oursName;
        String jtokkitName;
        if (tokenizer != null) {
            ours = Tokenizer.load(tokenizer);
            oursName = "Stratum " + (tokenizer.getFileName() == null ? tokenizer : tokenizer.getFileName());
            jtokkit = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
            jtokkitName = "JTokkit 1.1.0 cl100k";
        } else {
            try (InputStream in = Encodings.class.getResourceAsStream(R50K)) {
                ours = Tokenizer.fromTiktoken(in, R50K, Map.of(Tokenizer.END_OF_TEXT, 50256));
            }
            oursName = "Stratum";
            jtokkit = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
            jtokkitName = "JTokkit 1.1.0 r50k";
        }

        long tokens = 0;
        long jtokkitTokens = 0;
        int mismatched = 0;
        for (String doc : docs) {
            int[] a = ours.encodeOrdinary(doc);
            int[] b = jtokkit.encodeOrdinary(doc).toArray();
            tokens += a.length;
            jtokkitTokens += b.length;
            if (!Arrays.equals(a, b)) {
                mismatched++;
            }
        }
        if (tokenizer != null) {
            out.printf("tokens: %d (%.2f bytes/token); JTokkit cl100k: %d (%.2f bytes/token)%n", tokens,
                    (double) bytes / tokens, jtokkitTokens, (double) bytes / jtokkitTokens);
            mismatched = 0;
        } else {
            out.printf("tokens: %d (%.2f bytes/token); documents whose ids differ from JTokkit: %d of %d%n",
                    tokens, (double) bytes / tokens, mismatched, docs.size());
        }

        // Interleaved rounds, best of each: load from other processes comes and goes, and hits all four alike.
        // Each measurement: {MB/s wall clock, MB per CPU-second of this thread, MB per CPU-second of the process}.
        double[] jtokkit1 = new double[3];
        double[] ours1 = new double[3];
        double[] jtokkitN = new double[3];
        double[] oursN = new double[3];
        for (int round = 0; round < rounds; round++) {
            jtokkit1 = best(jtokkit1, measure(bytes, () -> docs.forEach(jtokkit::encodeOrdinary)));
            ours1 = best(ours1, measure(bytes, () -> docs.forEach(ours::encodeOrdinary)));
            jtokkitN = best(jtokkitN, measure(bytes, () -> parallel(docs, workers, jtokkit::encodeOrdinary)));
            oursN = best(oursN, measure(bytes, () -> ours.encodeOrdinaryBatch(docs, workers)));
        }
        out.printf("best of %d rounds:%n", rounds);
        out.printf("%-24s %12s %12s %12s %16s%n", "encode MB/s", "1 thread", "1 thread CPU", workers + " threads",
                workers + " threads CPU");
        out.printf("%-24s %12.2f %12.2f %12.2f %16.2f%n", jtokkitName, jtokkit1[0], jtokkit1[1], jtokkitN[0], jtokkitN[2]);
        out.printf("%-24s %12.2f %12.2f %12.2f %16.2f%n", oursName, ours1[0], ours1[1], oursN[0], oursN[2]);
        out.printf("(CPU columns divide by CPU time: the thread's for 1 thread, the whole process's for %d threads;%n"
                + " other processes on a busy machine inflate wall-clock time but not CPU time)%n", workers);
        out.printf("Stratum / JTokkit: %.2fx single-threaded (%.2fx by CPU time), %.2fx with %d threads%n",
                ours1[0] / jtokkit1[0], ours1[1] / jtokkit1[1], oursN[0] / jtokkitN[0], workers);
        out.printf("Stratum %d threads vs 1: %.2fx wall clock; parallel efficiency (MB per process-CPU-second vs 1 thread) %.2f; "
                        + "load average %.1f on %d cores%n", workers, oursN[0] / ours1[0], oursN[2] / ours1[2],
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), Runtime.getRuntime().availableProcessors());
        return mismatched == 0 ? 0 : 1;
    }

    /**
     * Warms up (the JIT) for half the minimum time, then repeats the work until the minimum time has passed;
     * returns {MB per wall-clock second, MB per CPU-second of the calling thread, MB per CPU-second of the process}.
     */
    private double[] measure(long bytes, Runnable work) {
        ThreadMXBean threadsBean = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long warmUntil = System.nanoTime() + (long) (seconds * 0.5e9);
        do {
            work.run();
        } while (System.nanoTime() < warmUntil);
        long start = System.nanoTime();
        long cpuStart = threadsBean.getCurrentThreadCpuTime();
        long processCpuStart = os.getProcessCpuTime();
        long deadline = start + (long) (seconds * 1e9);
        int runs = 0;
        do {
            work.run();
            runs++;
        } while (System.nanoTime() < deadline);
        double elapsed = (System.nanoTime() - start) / 1e9;
        double cpu = (threadsBean.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        double processCpu = (os.getProcessCpuTime() - processCpuStart) / 1e9;
        double mb = bytes * (double) runs / 1e6;
        return new double[] {mb / elapsed, mb / cpu, mb / processCpu};
    }

    private static double[] best(double[] a, double[] b) {
        return new double[] {Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.max(a[2], b[2])};
    }

    private static void parallel(List<String> docs, int workers, Consumer<String> encode) {
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            AtomicInteger next = new AtomicInteger();
            Future<?>[] futures = new Future<?>[workers];
            for (int w = 0; w < workers; w++) {
                futures[w] = pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < docs.size(); i = next.getAndIncrement()) {
                        encode.accept(docs.get(i));
                    }
                });
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("parallel encoding failed", e);
        } finally {
            pool.shutdownNow();
        }
    }
}
