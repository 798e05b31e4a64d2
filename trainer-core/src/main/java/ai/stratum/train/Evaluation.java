package ai.stratum.train;

import java.io.IOException;
import java.nio.file.Path;

/** Validation loss and perplexity over a fixed number of micro-batches. */
public final class Evaluation {

    /**
     * @param loss       mean next-token cross-entropy in nats
     * @param perplexity {@code exp(loss)}
     * @param tokens     tokens evaluated
     */
    public record Result(double loss, double perplexity, long tokens) {
    }

    private Evaluation() {
    }

    /**
     * Evaluates a checkpoint on the validation shards of {@code data}: the first {@code steps} micro-batches of
     * {@code batch} x {@code seqLen} tokens, in file order.
     */
    public static Result ofCheckpoint(Path checkpoint, ShardSet data, int batch, int seqLen, int steps)
            throws IOException {
        if (data.val().isEmpty()) {
            throw new IOException(data.dir() + ": has no validation shards (split \"val\" in manifest.json, or "
                    + "*val*.bin files)");
        }
        if (batch < 1 || seqLen < 1 || steps < 1) {
            throw new IllegalArgumentException("batch: batch, seq_len and steps must be >= 1, got " + batch + ", "
                    + seqLen + ", " + steps);
        }
        try (GptModel model = new GptModel(GptModel.load(checkpoint, batch, seqLen));
             ShardSampler val = ShardSampler.open(data.val(), batch, Math.min(seqLen, model.config().contextLength()),
                     model.config().vocabSize(), 0, false, DataPosition.START)) {
            return run(model, val, steps);
        }
    }

    /** Mean loss of {@code steps} micro-batches from {@code sampler} (no dropout, no gradients). */
    public static Result run(LanguageModel model, ShardSampler sampler, int steps) {
        int n = sampler.batch() * sampler.seqLen();
        int[] tokens = new int[n];
        int[] targets = new int[n];
        double sum = 0;
        for (int i = 0; i < steps; i++) {
            sampler.next(tokens, targets);
            sum += model.forward(tokens, targets, sampler.batch(), sampler.seqLen(), false, 0L);
        }
        double loss = sum / steps;
        return new Result(loss, Math.exp(loss), (long) steps * n);
    }
}
