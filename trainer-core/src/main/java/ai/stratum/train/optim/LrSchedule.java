package ai.stratum.train.optim;

/**
 * Learning rate by step: linear warmup to {@code peak}, then cosine decay to {@code min} at {@code totalSteps}
 * (the shape used by GPT-3, nanoGPT and llm.c).
 *
 * <pre>
 * step &lt; warmup:          peak * (step + 1) / warmup
 * warmup &lt;= step &lt; total: min + (peak - min) * (1 + cos(pi * (step - warmup) / (total - warmup))) / 2
 * step &gt;= total:          min
 * </pre>
 *
 * @param peak        the learning rate at the end of warmup
 * @param min         the floor reached at {@code totalSteps}
 * @param warmupSteps steps of linear warmup
 * @param totalSteps  steps in the run
 */
public record LrSchedule(double peak, double min, long warmupSteps, long totalSteps) {

    public LrSchedule {
        if (!(peak > 0) || !(min >= 0 && min <= peak)) {
            throw new IllegalArgumentException("lr: need 0 <= min_lr <= lr and lr > 0, got lr=" + peak
                    + ", min_lr=" + min);
        }
        if (warmupSteps < 0 || totalSteps < 1 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("warmup_steps: need 0 <= warmup_steps <= total steps (" + totalSteps
                    + "), got " + warmupSteps);
        }
    }

    public static LrSchedule of(OptimConfig optim, long totalSteps) {
        return new LrSchedule(optim.lr(), optim.minLr(), optim.warmupSteps(), totalSteps);
    }

    /** The learning rate of the optimizer step with 0-based index {@code step}. */
    public double at(long step) {
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        if (step >= totalSteps) {
            return min;
        }
        double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
        return min + (peak - min) * 0.5 * (1.0 + Math.cos(Math.PI * progress));
    }
}
