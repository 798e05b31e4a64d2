package ai.stratum.train;

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
