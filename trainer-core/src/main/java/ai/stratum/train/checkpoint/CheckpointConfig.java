package ai.stratum.train.checkpoint;

/**
 * When to write checkpoints.
 *
 * @param every    write one every this many optimizer steps (and always at the end); 0 = only at the end
 * @param keepLast how many of the most recent checkpoints to keep on disk
 */
public record CheckpointConfig(int every, int keepLast) {
    public CheckpointConfig {
        if (every < 0) {
            throw new IllegalArgumentException("every: must be >= 0 (0 = only at the end), got " + every);
        }
        if (keepLast < 1) {
            throw new IllegalArgumentException("keep_last: must be >= 1, got " + keepLast);
        }
    }
}
