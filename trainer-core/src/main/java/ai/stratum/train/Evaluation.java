package ai.stratum.train;

import java.io.IOException;
import java.nio.file.Path;

/** Validation loss and perplexity over a fixed number of micro-batches. */
public final class Evaluation {

    /**
     * @param loss       mean next-token cross-entropy in nats
     * @param perplexity {@code exp(loss)}
     * @param tokens     target tokens evaluated
     */
    public record Result(double loss, double perplexity, long tokens) {
    }

    private Evaluation() {
    }

    /**
     * Evaluates a checkpoint on the validation shards of {@code data}: the first {@code steps} micro-batches of
     * {@code batch} x {@code seqLen} tokens, in file order.
     */
    public static Result ofCheckpoint(Path checkpoint, TrainData data, int batch, int seqLen, int steps)
            throws IOException {
        if (batch < 1 || seqLen < 1 || steps < 1) {
            throw new IllegalArgumentException("batch: batch, seq_len and steps must be >= 1, got " + batch + ", "
                    + seqLen + ", " + steps);
        }
        try (GptModel model = new GptModel(GptModel.load(checkpoint, batch, seqLen))) {
            int t = Math.min(seqLen, model.config().contextLength());
            try (BatchSource val = data.openVal(batch, t, model.config().vocabSize()).orElseThrow(() ->
                    new IOException(data.describe() + ": has no validation split (split \"val\" in manifest.json, "
                            + "or *val*.bin files)"))) {
                return run(model, val, steps);
            }
        }
    }

    /**
     * Loss over {@code steps} batches from {@code source} (no dropout, no gradients): each batch's mean weighted
     * by its number of targets, so masked positions do not count.
     */
    public static Result run(LanguageModel model, BatchSource source, int steps) {
        int n = source.batch() * source.seqLen();
        int[] tokens = new int[n];
        int[] targets = new int[n];
        int[] segments = new int[n];
        double sum = 0;
        long counted = 0;
        for (int i = 0; i < steps; i++) {
            boolean segmented = source.next(tokens, targets, segments);
            long count = java.util.Arrays.stream(targets).filter(t -> t >= 0).count();
            sum += count * (double) model.forward(tokens, targets, source.batch(), source.seqLen(), false, 0L,
                    segmented ? segments : null);
            counted += count;
        }
        double loss = counted == 0 ? 0 : sum / counted;
        return new Result(loss, Math.exp(loss), counted);
    }
}
