package ai.stratum.train;

import ai.stratum.train.data.BatchSource;
import ai.stratum.train.data.DataPosition;
import ai.stratum.train.data.ShardSampler;
import ai.stratum.train.data.ShardSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

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
    public static Result ofCheckpoint(Path checkpoint, ShardSet data, int batch, int seqLen, int steps)
            throws IOException {
        checkArguments(data, batch, seqLen, steps);
        try (DecoderModel model = new DecoderModel(DecoderModel.load(checkpoint, batch, seqLen))) {
            return ofShards(model, data, batch, seqLen, steps);
        }
    }

    /** {@link #ofCheckpoint} for a model already open (a checkpoint, or a base with an adapter). */
    public static Result ofShards(LanguageModel model, ShardSet data, int batch, int seqLen, int steps)
            throws IOException {
        checkArguments(data, batch, seqLen, steps);
        try (ShardSampler val = ShardSampler.open(data.val(), batch, Math.min(seqLen, model.config().contextLength()),
                model.config().vocabSize(), 0, false, DataPosition.START)) {
            return run(model, val, steps);
        }
    }

    private static void checkArguments(ShardSet data, int batch, int seqLen, int steps) throws IOException {
        if (data.val().isEmpty()) {
            throw new IOException(data.dir() + ": has no validation shards (split \"val\" in manifest.json, or "
                    + "*val*.bin files)");
        }
        if (batch < 1 || seqLen < 1 || steps < 1) {
            throw new IllegalArgumentException("batch: batch, seq_len and steps must be >= 1, got " + batch + ", "
                    + seqLen + ", " + steps);
        }
    }

    /**
     * Mean loss per trained target over {@code steps} micro-batches from {@code source} (no dropout, no
     * gradients): each batch's mean weighted by its count of targets, so that masked and padded positions do
     * not count.
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
            long batchTargets = Arrays.stream(targets).filter(t -> t >= 0).count();
            if (batchTargets > 0) {
                sum += batchTargets * (double) model.forward(tokens, targets, source.batch(), source.seqLen(), false,
                        0L, segmented ? segments : null);
                counted += batchTargets;
            }
        }
        if (counted == 0) {
            throw new IllegalArgumentException("eval: the validation data holds no trained target");
        }
        double loss = sum / counted;
        return new Result(loss, Math.exp(loss), counted);
    }
}
