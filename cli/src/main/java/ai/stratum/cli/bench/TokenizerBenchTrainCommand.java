package ai.stratum.cli.bench;

import ai.stratum.tokenizer.BpeTrainer;
import ai.stratum.tokenizer.Tokenizer;
import ai.stratum.tokenizer.WordCounts;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stratum bench tokenizer train}: time and peak heap of BPE training for one vocabulary size. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Time and peak heap of training a byte-level BPE (word counting, then merges).")
public final class TokenizerBenchTrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--input", arity = "1..*", paramLabel = "FILE",
            description = "UTF-8 text files (default: bench-data/**/*.txt, else generated text).")
    List<Path> inputs;

    @Option(names = "--generated-mb", defaultValue = "20", paramLabel = "MB",
            description = "Size of generated text when there are no input files (default: ${DEFAULT-VALUE}).")
    double generatedMb;

    @Option(names = "--vocab-size", defaultValue = "32000", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int vocabSize;

    @Option(names = "--min-frequency", defaultValue = "2", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int minFrequency;

    @Option(names = "--threads", paramLabel = "N", description = "Threads counting words (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int workers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        List<Path> files = TokenizerBenchInput.resolveFiles(inputs);
        Path generated = null;
        if (files.isEmpty()) {
            generated = Files.createTempFile("stratum-bench-train", ".txt");
            Files.writeString(generated, String.join("\n",
                    TokenizerBenchInput.documents(List.of(), (long) (generatedMb * 1e6), out)), StandardCharsets.UTF_8);
            files = List.of(generated);
        }
        try {
            long bytes = 0;
            for (Path f : files) {
                bytes += Files.size(f);
            }
            out.printf("input: %d files, %.1f MB; vocab_size %d, min_frequency %d, %d threads%n",
                    files.size(), bytes / 1e6, vocabSize, minFrequency, workers);
            BpeTrainer trainer = new BpeTrainer(new BpeTrainer.Options(vocabSize, minFrequency,
                    List.of(Tokenizer.END_OF_TEXT), workers), line -> {
                err.println(line);
                err.flush();
            });
            List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == MemoryType.HEAP).toList();
            System.gc();
            heap.forEach(MemoryPoolMXBean::resetPeakUsage);
            long start = System.nanoTime();
            WordCounts counts = trainer.countWords(files);
            long counted = System.nanoTime();
            Tokenizer tokenizer = trainer.train(counts);
            long done = System.nanoTime();
            long peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
            out.printf("word counts: %.1f s (%.1f MB/s), %,d words, %,d distinct%n", (counted - start) / 1e9,
                    bytes / 1e6 / ((counted - start) / 1e9), counts.total(), counts.size());
            out.printf("merges: %.1f s for %,d merges (vocab %d)%n", (done - counted) / 1e9, tokenizer.mergeCount(),
                    tokenizer.vocabSize());
            out.printf("total: %.1f s; peak heap (sum of pool peaks): %.0f MB%n", (done - start) / 1e9, peak / 1e6);
            return 0;
        } finally {
            if (generated != null) {
                Files.deleteIfExists(generated);
            }
        }
    }
}
