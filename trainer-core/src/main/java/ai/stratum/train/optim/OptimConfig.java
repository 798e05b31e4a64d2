package ai.stratum.train.optim;

/**
 * AdamW with a linear warmup and cosine decay of the learning rate.
 *
 * @param lr           peak learning rate, reached at the end of warmup
 * @param minLr        the learning rate at the last step (cosine floor); at most {@code lr}
 * @param warmupSteps  steps of linear warmup from {@code lr / warmup_steps} to {@code lr}
 * @param weightDecay  decoupled weight decay, applied to tensors of two or more dimensions only
 * @param beta1        first-moment decay, in [0, 1)
 * @param beta2        second-moment decay, in [0, 1)
 * @param eps          added to the root of the second moment, &gt; 0
 * @param gradClip     maximum global L2 norm of the gradient; 0 disables clipping
 */
public record OptimConfig(double lr, double minLr, int warmupSteps, double weightDecay, double beta1, double beta2,
                          double eps, double gradClip) {

    public OptimConfig {
        if (!(lr > 0 && Double.isFinite(lr))) {
            throw new IllegalArgumentException("lr: must be a finite number > 0, got " + lr);
        }
        if (!(minLr >= 0 && minLr <= lr)) {
            throw new IllegalArgumentException("min_lr: must be in [0, lr=" + lr + "], got " + minLr);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmup_steps: must be >= 0, got " + warmupSteps);
        }
        if (!(weightDecay >= 0 && Double.isFinite(weightDecay))) {
            throw new IllegalArgumentException("weight_decay: must be a finite number >= 0, got " + weightDecay);
        }
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("beta1: must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta2: must be in [0, 1), got " + beta2);
        }
        if (!(eps > 0 && Double.isFinite(eps))) {
            throw new IllegalArgumentException("eps: must be a finite number > 0, got " + eps);
        }
        if (!(gradClip >= 0 && Double.isFinite(gradClip))) {
            throw new IllegalArgumentException("grad_clip: must be >= 0 (0 disables clipping), got " + gradClip);
        }
    }
}
