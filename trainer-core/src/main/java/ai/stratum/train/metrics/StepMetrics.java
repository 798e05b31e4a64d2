package ai.stratum.train.metrics;

/**
 * One optimizer step as logged to {@code metrics.jsonl} and the progress line.
 *
 * @param step            optimizer steps completed (1-based)
 * @param loss            mean training loss over the step's micro-batches
 * @param lr              learning rate used
 * @param gradNorm        global gradient norm before clipping
 * @param tokensPerSecond training throughput (forward, backward, optimizer; not evaluation or checkpoints)
 *                        since the previous logged step
 * @param mfu             model FLOPs utilization against the measured sgemm peak; NaN when no peak is known
 * @param parts           named parts of the loss in a fixed order (a distillation run's {@code loss_ce} and
 *                        {@code loss_kl}), means over the step's micro-batches; empty otherwise
 */
public record StepMetrics(long step, double loss, double lr, double gradNorm, double tokensPerSecond, double mfu,
                          java.util.Map<String, Double> parts) {

    public StepMetrics {
        parts = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(parts));
    }

    /** A step whose loss has no parts. */
    public StepMetrics(long step, double loss, double lr, double gradNorm, double tokensPerSecond, double mfu) {
        this(step, loss, lr, gradNorm, tokensPerSecond, mfu, java.util.Map.of());
    }
}
