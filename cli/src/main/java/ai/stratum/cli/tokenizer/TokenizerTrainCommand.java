package ai.stratum.cli.tokenizer;

import ai.stratum.tokenizer.BpeTrainer;
import ai.stratum.tokenizer.SplitPattern;
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

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Directory for tokenizer.json and tokenizer_config.json.")
    Path out;

    @Option(names = "--pattern", defaultValue = "gpt2", paramLabel = "gpt2|llama3|qwen2",
            description = "Pre-tokenizer split pattern: GPT-2's, Llama 3's (digits in threes) or Qwen2's (single digits) "
                    + "(default: ${DEFAULT-VALUE}).")
    String pattern;

    @Option(names = "--bos", paramLabel = "TOKEN",
            description = "Special token put before every sequence encoded with special tokens (also tokenizer_config's bos_token).")
    String bos;

    @Option(names = "--eos", paramLabel = "TOKEN", description = "tokenizer_config.json's eos_token (default: the first --special).")
    String eos;

    @Option(names = "--errors", defaultValue = "strict", paramLabel = "strict|replace",
            description = "Invalid UTF-8 in the input: strict refuses it naming file and byte offset, replace reads it as "
                    + "U+FFFD (default: ${DEFAULT-VALUE}).")
    Utf8Errors errors;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        int workers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        SplitPattern split = switch (pattern) {
            case "gpt2" -> SplitPattern.GPT2;
            case "llama3" -> SplitPattern.LLAMA3;
            case "qwen2" -> SplitPattern.QWEN2;
            default -> throw new IllegalArgumentException("--pattern must be gpt2, llama3 or qwen2, got '" + pattern + "'");
        };
        for (String token : java.util.Arrays.asList(bos, eos)) {
            if (token != null && !specials.contains(token)) {
                throw new IllegalArgumentException("'" + token + "' (--bos/--eos) must also be given as --special " + token);
            }
        }
        BpeTrainer trainer = new BpeTrainer(new BpeTrainer.Options(vocabSize, minFrequency, specials, workers), line -> {
            err.println(line);
            err.flush();
        }).withPattern(split).replacingInvalidUtf8(errors == Utf8Errors.replace);
        long start = System.nanoTime();
        Tokenizer tokenizer = trainer.train(inputs);
        if (bos != null) {
            tokenizer = tokenizer.withPipeline(split, bos);
        }
        Path file = out.resolve("tokenizer.json");
        tokenizer.save(file);
        tokenizer.saveConfig(out.resolve("tokenizer_config.json"), bos, eos != null ? eos : specials.isEmpty() ? null : specials.get(0));
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.printf("wrote %s: %d tokens (%d merges, %d special) in %.1f s%n", file, tokenizer.vocabSize(),
                tokenizer.mergeCount(), tokenizer.specialTokens().size(), (System.nanoTime() - start) / 1e9);
        stdout.printf("fingerprint %s%n", tokenizer.fingerprint());
        return 0;
    }
}
