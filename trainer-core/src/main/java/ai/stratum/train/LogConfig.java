package ai.stratum.train;

/**
 * Metrics and progress output.
 *
 * @param every write a {@code metrics.jsonl} line and a progress line every this many optimizer steps
 */
public record LogConfig(int every) {
    public LogConfig {
        if (every < 1) {
            throw new IllegalArgumentException("every: must be >= 1, got " + every);
        }
    }
}
