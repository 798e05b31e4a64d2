package ai.stratum.cli.tokenizer;

import ai.stratum.tokenizer.Tokenizer;
import java.io.Reader;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stratum tokenizer encode}: text from a file or stdin to token ids. */
@Command(name = "encode", mixinStandardHelpOptions = true,
        description = "Encode UTF-8 text (a file or stdin, streamed) to token ids, as text or little-endian binary.")
public final class TokenizerEncodeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--tokenizer", required = true, paramLabel = "PATH",
            description = "tokenizer.json, or a directory with tokenizer.json or GPT-2's encoder.json + vocab.bpe.")
    Path tokenizerPath;

    @Option(names = "--input", paramLabel = "FILE", description = "Text to encode (default: stdin).")
    Path input;

    @Option(names = "--output", paramLabel = "FILE", description = "Where to write ids (default: stdout).")
    Path output;

    @Option(names = "--format", defaultValue = "text",
            description = "text (ids separated by spaces), u16 or u32 (little-endian) (default: ${DEFAULT-VALUE}).")
    IdFormat format;

    @Option(names = "--allow-special", paramLabel = "TOKEN",
            description = "Special tokens to match in the text (repeatable); others are encoded as plain text.")
    List<String> allowSpecial = List.of();

    @Option(names = "--allow-all-special", description = "Match every special token of the tokenizer in the text.")
    boolean allowAllSpecial;

    @Option(names = "--errors", defaultValue = "strict", paramLabel = "strict|replace",
            description = "Invalid UTF-8 in the input: strict refuses it naming the byte offset, replace reads it as U+FFFD "
                    + "(default: ${DEFAULT-VALUE}).")
    Utf8Errors errors;

    @Override
    public Integer call() throws Exception {
        Tokenizer tokenizer = Tokenizer.load(tokenizerPath);
        Set<String> allowed = allowAllSpecial ? tokenizer.specialTokens().keySet() : new LinkedHashSet<>(allowSpecial);
        long[] tokens = {0};
        long chars;
        try (Reader in = Io.reader(input, errors == Utf8Errors.replace); Io.Output out = Io.Output.open(output, format == IdFormat.TEXT, spec.commandLine().getOut())) {
            chars = tokenizer.encode(in, allowed, ids -> {
                out.write(format.chunk(ids, tokenizer.vocabSize(), tokens[0] == 0));
                tokens[0] += ids.length;
            });
            out.write(format.end());
            out.commit();
        }
        spec.commandLine().getErr().printf("%d chars -> %d tokens%n", chars, tokens[0]);
        return 0;
    }
}
