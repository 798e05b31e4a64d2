package ai.stratum.cli.train;

import ai.stratum.train.checkpoint.Checkpoints;
import ai.stratum.train.Evaluation;
import ai.stratum.train.Finetune;
import ai.stratum.train.LanguageModel;
import ai.stratum.train.data.ShardSet;
import ai.stratum.train.sft.ChatTemplate;
import ai.stratum.train.MemoryEstimate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code stratum eval}: validation loss and perplexity of a checkpoint (or a base with a LoRA adapter). */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Loss and perplexity of a checkpoint, or of a base with a LoRA adapter, on the validation "
                + "shards of --data or on the examples of an SFT JSONL file (--sft; loss on the responses only).")
public final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--checkpoint", paramLabel = "DIR",
            description = "A checkpoint directory, e.g. runs/NAME/latest; with --adapter, the base "
                    + "(default: the adapter's base_model_name_or_path).")
    Path checkpoint;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A LoRA adapter applied unmerged over the base.")
    Path adapter;

    @Option(names = "--data", paramLabel = "DIR", description = "Token shards with a val split.")
    Path data;

    @Option(names = "--sft", paramLabel = "FILE", description = "SFT JSONL to evaluate on (every example once).")
    Path sft;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "For --sft: tokenizer.json (default: the adapter's, else the checkpoint's).")
    Path tokenizer;

    @Option(names = "--steps", defaultValue = "20", description = "Micro-batches to evaluate on --data (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch-size", defaultValue = "8", description = "Sequences per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--seq-len", defaultValue = "1024",
            description = "Tokens per sequence, capped at the model's context (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Override
    public Integer call() throws IOException {
        checkpoint = Models.resolve(checkpoint);
        adapter = Models.resolve(adapter);
        if ((data == null) == (sft == null)) {
            throw new IllegalArgumentException("data: pass exactly one of --data DIR (token shards) and --sft FILE");
        }
        PrintWriter out = spec.commandLine().getOut();
        Evaluation.Result r;
        MemoryEstimate.Keys keys = new MemoryEstimate.Keys("--batch-size", "--seq-len");
        try (LanguageModel model = Models.openChecked(checkpoint, adapter, batchSize, seqLen, keys)) {
            r = data != null ? Evaluation.ofShards(model, ShardSet.open(data), batchSize, seqLen, steps)
                    : Finetune.evaluateSft(model, Models.tokenizer(tokenizer, checkpoint, adapter)
                            .withSpecialTokens(ChatTemplate.DEFAULT.specialTokens()), sft, batchSize, seqLen,
                    line -> spec.commandLine().getErr().println(line));
        }
        out.printf("%s loss %.4f | perplexity %.2f | %,d tokens%n", data != null ? "val" : "sft", r.loss(),
                r.perplexity(), r.tokens());
        out.flush();
        return 0;
    }
}
