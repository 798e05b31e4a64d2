package ai.stratum.cli.train;

import ai.stratum.model.Gpt;
import ai.stratum.tokenizer.Tokenizer;
import ai.stratum.train.Checkpoints;
import ai.stratum.train.Generator;
import ai.stratum.train.GptModel;
import ai.stratum.train.HfConfig;
import ai.stratum.train.Sampler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code stratum generate}: sample a continuation of a prompt from a checkpoint. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt with a checkpoint's model (printed as it is generated).")
public final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR",
            description = "A checkpoint directory, or a run directory for its latest checkpoint.")
    Path checkpoint;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT",
            description = "The text to continue (empty: start from the end-of-text token).")
    String prompt;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "tokenizer.json (default: the checkpoint's own tokenizer.json).")
    Path tokenizer;

    @Option(names = "--max-new-tokens", defaultValue = "100", description = "Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0.8", description = "0 is greedy. Default: ${DEFAULT-VALUE}.")
    double temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "0 keeps every token. Default: ${DEFAULT-VALUE}.")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Nucleus probability. Default: ${DEFAULT-VALUE}.")
    double topP;

    @Option(names = "--seed", defaultValue = "1337", description = "Sampling seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Override
    public Integer call() throws IOException {
        Path checkpoint = Checkpoints.resolve(this.checkpoint);
        Sampler sampler = new Sampler(new Sampler.Settings(temperature, topK, topP), new SplittableRandom(seed));
        Path tokenizerFile = tokenizer != null ? tokenizer : checkpoint.resolve(Checkpoints.TOKENIZER);
        if (!Files.isRegularFile(tokenizerFile)) {
            throw new IOException(checkpoint + " has no " + Checkpoints.TOKENIZER + "; pass --tokenizer FILE");
        }
        Tokenizer tok = Tokenizer.load(tokenizerFile);
        int eos = HfConfig.eosTokenId(checkpoint);
        int[] ids = prompt.isEmpty() ? new int[]{eos} : tok.encodeOrdinary(prompt);
        PrintWriter out = spec.commandLine().getOut();
        out.print(prompt);
        out.flush();
        try (Gpt gpt = GptModel.load(checkpoint, 1, Integer.MAX_VALUE)) {
            StreamingDecoder decoder = new StreamingDecoder(tok, out);
            Generator.generate(gpt, ids, maxNewTokens, eos, sampler, decoder::accept);
            decoder.finish();
        }
        out.println();
        out.flush();
        return 0;
    }

    /** Prints text as tokens arrive, holding back bytes that do not yet form whole UTF-8 characters. */
    static final class StreamingDecoder {
        private final Tokenizer tokenizer;
        private final PrintWriter out;
        private int[] ids = new int[16];
        private int count;
        private int printedChars;

        StreamingDecoder(Tokenizer tokenizer, PrintWriter out) {
            this.tokenizer = tokenizer;
            this.out = out;
        }

        void accept(int id) {
            if (count == ids.length) {
                ids = Arrays.copyOf(ids, 2 * count);
            }
            ids[count++] = id;
            String text = tokenizer.decode(Arrays.copyOf(ids, count));
            int complete = text.endsWith("\uFFFD") ? text.length() - 1 : text.length();
            if (complete > printedChars) {
                out.print(text.substring(printedChars, complete));
                out.flush();
                printedChars = complete;
            }
        }

        void finish() {
            String text = tokenizer.decode(Arrays.copyOf(ids, count));
            if (text.length() > printedChars) {
                out.print(text.substring(printedChars));
            }
        }
    }
}
