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
 * and multi-threaded, after checking that both give the same ids. {@code train} benchmarks training.
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
        try (InputStream in = Encodings.class.getResourceAsStream(R50K)) {
            ours = Tokenizer.fromTiktoken(in, R50K, Map.of(Tokenizer.END_OF_TEXT, 50256));
        }
        Encoding jtokkit = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

        long tokens = 0;
        int mismatched = 0;
        for (String doc : docs) {
            int[] a = ours.encodeOrdinary(doc);
            int[] b = jtokkit.encodeOrdinary(doc).toArray();
            tokens += a.length;
            if (!Arrays.equals(a, b)) {
                mismatched++;
            }
        }
        out.printf("tokens: %d (%.2f bytes/token); documents whose ids differ from JTokkit: %d of %d%n",
                tokens, (double) bytes / tokens, mismatched, docs.size());

        // Interleaved rounds, best of each: load from other processes comes and goes, and hits all four alike.
        double[] jtokkit1 = new double[2];
        double[] ours1 = new double[2];
        double jtokkitN = 0;
        double oursN = 0;
        for (int round = 0; round < rounds; round++) {
            jtokkit1 = best(jtokkit1, measure(bytes, () -> docs.forEach(jtokkit::encodeOrdinary)));
            ours1 = best(ours1, measure(bytes, () -> docs.forEach(ours::encodeOrdinary)));
            jtokkitN = Math.max(jtokkitN, measure(bytes, () -> parallel(docs, workers, jtokkit::encodeOrdinary))[0]);
            oursN = Math.max(oursN, measure(bytes, () -> ours.encodeOrdinaryBatch(docs, workers))[0]);
        }
        out.printf("best of %d rounds:%n", rounds);
        out.printf("%-24s %12s %12s %12s%n", "encode MB/s", "1 thread", "1 thread CPU", workers + " threads");
        out.printf("%-24s %12.2f %12.2f %12.2f%n", "JTokkit 1.1.0 r50k", jtokkit1[0], jtokkit1[1], jtokkitN);
        out.printf("%-24s %12.2f %12.2f %12.2f%n", "Stratum", ours1[0], ours1[1], oursN);
        out.printf("(\"1 thread CPU\" divides by the thread's CPU time, which other processes on a busy machine do not inflate)%n");
        out.printf("Stratum / JTokkit: %.2fx single-threaded (%.2fx by CPU time), %.2fx with %d threads; "
                + "Stratum scaling 1 -> %d threads: %.2fx (load average %.1f on %d cores)%n",
                ours1[0] / jtokkit1[0], ours1[1] / jtokkit1[1], oursN / jtokkitN, workers, workers, oursN / ours1[0],
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                Runtime.getRuntime().availableProcessors());
        return mismatched == 0 ? 0 : 1;
    }

    /**
     * Warms up (the JIT) for half the minimum time, then repeats the work until the minimum time has passed;
     * returns {MB per wall-clock second, MB per CPU-second of the calling thread}.
     */
    private double[] measure(long bytes, Runnable work) {
        ThreadMXBean threadsBean = ManagementFactory.getThreadMXBean();
        long warmUntil = System.nanoTime() + (long) (seconds * 0.5e9);
        do {
            work.run();
        } while (System.nanoTime() < warmUntil);
        long start = System.nanoTime();
        long cpuStart = threadsBean.getCurrentThreadCpuTime();
        long deadline = start + (long) (seconds * 1e9);
        int runs = 0;
        do {
            work.run();
            runs++;
        } while (System.nanoTime() < deadline);
        double elapsed = (System.nanoTime() - start) / 1e9;
        double cpu = (threadsBean.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        double mb = bytes * (double) runs / 1e6;
        return new double[] {mb / elapsed, mb / cpu};
    }

    private static double[] best(double[] a, double[] b) {
        return new double[] {Math.max(a[0], b[0]), Math.max(a[1], b[1])};
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
