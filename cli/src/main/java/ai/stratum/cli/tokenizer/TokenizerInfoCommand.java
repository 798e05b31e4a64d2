package ai.stratum.cli.tokenizer;

import ai.stratum.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stratum tokenizer info}: sizes, special tokens, fingerprint; optionally how a text splits. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a tokenizer's vocabulary size, merges, special tokens and fingerprint.")
public final class TokenizerInfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--tokenizer", required = true, paramLabel = "PATH",
            description = "tokenizer.json, or a directory with tokenizer.json or GPT-2's encoder.json + vocab.bpe.")
    Path tokenizerPath;

    @Option(names = "--text", paramLabel = "TEXT", description = "Also show the tokens of this text (special tokens matched).")
    String text;

    @Override
    public Integer call() {
        Tokenizer tokenizer = Tokenizer.load(tokenizerPath);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("vocab_size: %d%n", tokenizer.vocabSize());
        out.printf("merges: %d%n", tokenizer.mergeCount());
        out.printf("special_tokens: %d%n", tokenizer.specialTokens().size());
        for (Map.Entry<String, Integer> e : tokenizer.specialTokens().entrySet()) {
            out.printf("  %d %s%n", e.getValue(), e.getKey());
        }
        Map<String, Integer> other = tokenizer.nonSpecialAddedTokens();
        if (!other.isEmpty()) {
            out.printf("added_tokens (not special, always matched): %d%n", other.size());
            other.forEach((token, id) -> out.printf("  %d %s%n", id, token));
        }
        out.printf("pipeline: %s%n", tokenizer.pipelineSummary());
        out.printf("fingerprint: %s%n", tokenizer.fingerprint());
        if (text != null) {
            Set<String> all = tokenizer.specialTokens().keySet();
            int[] ids = tokenizer.encode(text, all);
            out.printf("tokens: %d%n", ids.length);
            for (int id : ids) {
                String piece = new String(tokenizer.bytesOf(id), StandardCharsets.UTF_8);
                out.printf("  %d %s%n", id, piece.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r"));
            }
        }
        return 0;
    }
}
