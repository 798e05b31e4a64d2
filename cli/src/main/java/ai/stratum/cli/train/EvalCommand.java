package ai.stratum.cli.train;

import ai.stratum.train.Checkpoints;
import ai.stratum.train.Evaluation;
import ai.stratum.train.ShardSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code stratum eval}: validation loss and perplexity of a checkpoint. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Validation loss and perplexity of a checkpoint on the validation shards of --data.")
public final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR",
            description = "A checkpoint directory, or a run directory for its latest checkpoint.")
    Path checkpoint;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Token shards with a val split.")
    Path data;

    @Option(names = "--steps", defaultValue = "20", description = "Micro-batches to evaluate (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch-size", defaultValue = "8", description = "Sequences per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--seq-len", defaultValue = "1024",
            description = "Tokens per sequence, capped at the model's context (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Override
    public Integer call() throws IOException {
        Evaluation.Result r = Evaluation.ofCheckpoint(Checkpoints.resolve(checkpoint), ShardSet.open(data), batchSize,
                seqLen, steps);
        spec.commandLine().getOut().printf("val loss %.4f | perplexity %.2f | %,d tokens%n", r.loss(), r.perplexity(),
                r.tokens());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
