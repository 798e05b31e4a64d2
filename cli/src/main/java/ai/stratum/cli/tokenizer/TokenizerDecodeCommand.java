package ai.stratum.cli.tokenizer;

import ai.stratum.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stratum tokenizer decode}: token ids from a file or stdin back to text. */
@Command(name = "decode", mixinStandardHelpOptions = true,
        description = "Decode token ids (text or little-endian binary, from a file or stdin) to UTF-8 text.")
public final class TokenizerDecodeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--tokenizer", required = true, paramLabel = "PATH",
            description = "tokenizer.json, or a directory with tokenizer.json or GPT-2's encoder.json + vocab.bpe.")
    Path tokenizerPath;

    @Option(names = "--input", paramLabel = "FILE", description = "Ids to decode (default: stdin).")
    Path input;

    @Option(names = "--output", paramLabel = "FILE", description = "Where to write the text (default: stdout).")
    Path output;

    @Option(names = "--format", defaultValue = "text",
            description = "text (integers separated by spaces, commas or newlines), u16 or u32 (default: ${DEFAULT-VALUE}).")
    IdFormat format;

    @Override
    public Integer call() throws Exception {
        Tokenizer tokenizer = Tokenizer.load(tokenizerPath);
        int[] ids = format.read(Io.readAll(input), Io.sourceName(input));
        try (Io.Output out = Io.Output.open(output, true, spec.commandLine().getOut())) {
            out.write(tokenizer.decodeBytes(ids));
            out.commit();
        }
        return 0;
    }
}
