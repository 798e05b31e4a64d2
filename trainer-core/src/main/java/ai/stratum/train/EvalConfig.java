package ai.stratum.train;

/**
 * Validation during training.
 *
 * @param every evaluate every this many optimizer steps (and at the end); 0 evaluates only at the end
 * @param steps micro-batches of the validation shards per evaluation
 */
public record EvalConfig(int every, int steps) {
    public EvalConfig {
        if (every < 0) {
            throw new IllegalArgumentException("every: must be >= 0 (0 = only at the end), got " + every);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps: must be >= 1, got " + steps);
        }
    }
}
