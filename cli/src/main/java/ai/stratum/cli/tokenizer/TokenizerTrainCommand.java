package ai.stratum.cli.tokenizer;

import ai.stratum.tokenizer.BpeTrainer;
import ai.stratum.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stratum tokenizer train}: learn a byte-level BPE from text files and write DIR/tokenizer.json. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Learn a byte-level BPE vocabulary from UTF-8 text files; writes OUT/tokenizer.json.")
public final class TokenizerTrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--input", arity = "1..*", required = true, paramLabel = "FILE", description = "UTF-8 text files.")
    List<Path> inputs;

    @Option(names = "--vocab-size", required = true, paramLabel = "N",
            description = "Total tokens: 256 bytes + merges + special tokens.")
    int vocabSize;

    @Option(names = "--special", paramLabel = "TOKEN", defaultValue = Tokenizer.END_OF_TEXT,
            description = "Special tokens, given the last ids in this order (repeatable; default: ${DEFAULT-VALUE}).")
    List<String> specials;

    @Option(names = "--min-frequency", defaultValue = "2", paramLabel = "N",
            description = "Never merge a pair seen fewer times (default: ${DEFAULT-VALUE}).")
    int minFrequency;

    @Option(names = "--threads", paramLabel = "N", description = "Threads counting words (default: all cores).")
    Integer threads;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for tokenizer.json.")
    Path out;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        int workers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        BpeTrainer trainer = new BpeTrainer(new BpeTrainer.Options(vocabSize, minFrequency, specials, workers), line -> {
            err.println(line);
            err.flush();
        });
        long start = System.nanoTime();
        Tokenizer tokenizer = trainer.train(inputs);
        Path file = out.resolve("tokenizer.json");
        tokenizer.save(file);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.printf("wrote %s: %d tokens (%d merges, %d special) in %.1f s%n", file, tokenizer.vocabSize(),
                tokenizer.mergeCount(), tokenizer.specialTokens().size(), (System.nanoTime() - start) / 1e9);
        stdout.printf("fingerprint %s%n", tokenizer.fingerprint());
        return 0;
    }
}
