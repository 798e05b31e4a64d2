package ai.stratum.train;

/**
 * The loss or the gradient became NaN or infinite. The run stops without writing a checkpoint of the bad
 * state; the message names the step and the last good checkpoint. It is an {@link IllegalArgumentException}
 * because the fix is in the run's settings (learning rate, warmup, clipping, data).
 */
public final class TrainingDivergedException extends IllegalArgumentException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
