package ai.stratum.train.optim;

import ai.stratum.model.kernels.Kernels;
import ai.stratum.train.TrainableSet;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;

/**
 * AdamW (Loshchilov and Hutter) over the flat parameter and gradient buffers, restricted to a
 * {@link TrainableSet}. Per element, at step t (1-based):
 * <pre>
 * p &lt;- p * (1 - lr * wd)                     (decoupled decay; only tensors with 2+ dimensions)
 * m &lt;- beta1 * m + (1 - beta1) * g
 * v &lt;- beta2 * v + (1 - beta2) * g^2
 * p &lt;- p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * </pre>
 * The arithmetic runs in the {@link Kernels} ({@link Kernels#adamw}, {@link Kernels#sumOfSquares},
 * {@link Kernels#scale}) over the segments of adjacent trainable tensors (the whole buffer when everything trains):
 * fused loops on the CPU, ND4J ops on other backends. The moments {@code m} and {@code v} are flat buffers laid
 * out by {@link TrainableSet#stateLayout()}.
 */
public final class AdamW {

    private final OptimConfig config;
    private final TrainableSet trainable;
    private final Kernels kernels;
    private final INDArray m;
    private final INDArray v;
    // one entry per segment of adjacent trainable tensors
    private final INDArray[] params;
    private final INDArray[] grads;
    private final INDArray[] ms;
    private final INDArray[] vs;
    private final boolean[] decays;
    private long stepsTaken;

    /** With the kernels of the ND4J backend in use. */
    public AdamW(OptimConfig config, TrainableSet trainable, INDArray params, INDArray grads) {
        this(config, trainable, params, grads, Kernels.forCurrentBackend());
    }

    public AdamW(OptimConfig config, TrainableSet trainable, INDArray params, INDArray grads, Kernels kernels) {
        long n = trainable.layout().size();
        if (params.length() != n || grads.length() != n) {
            throw new IllegalArgumentException("params: expected flat buffers of " + n + " elements, got params "
                    + params.length() + " and grads " + grads.length());
        }
        this.config = config;
        this.trainable = trainable;
        this.kernels = kernels;
        this.m = Nd4j.zeros(params.dataType(), trainable.size());
        this.v = Nd4j.zeros(params.dataType(), trainable.size());
        INDArray flatParams = params.reshape(n);
        INDArray flatGrads = grads.reshape(n);
        List<TrainableSet.Segment> segments = trainable.segments();
        int count = segments.size();
        this.params = new INDArray[count];
        this.grads = new INDArray[count];
        this.ms = new INDArray[count];
        this.vs = new INDArray[count];
        this.decays = new boolean[count];
        for (int i = 0; i < count; i++) {
            TrainableSet.Segment s = segments.get(i);
            this.params[i] = slice(flatParams, s.paramOffset(), s.length());
            this.grads[i] = slice(flatGrads, s.paramOffset(), s.length());
            this.ms[i] = slice(m, s.stateOffset(), s.length());
            this.vs[i] = slice(v, s.stateOffset(), s.length());
            this.decays[i] = s.decays() && config.weightDecay() > 0;
        }
    }

    private static INDArray slice(INDArray flat, long offset, long length) {
        return flat.get(NDArrayIndex.interval(offset, offset + length));
    }

    /** The global L2 norm of the trainable gradients. */
    public double gradNorm() {
        return Math.sqrt(kernels.sumOfSquares(grads));
    }

    /**
     * Scales the trainable gradients so that their global norm is at most {@code grad_clip} (when it is &gt; 0).
     *
     * @return the norm before clipping
     */
    public double clipGradients() {
        double norm = gradNorm();
        if (config.gradClip() > 0 && norm > config.gradClip()) {
            kernels.scale(grads, config.gradClip() / (norm + 1e-6));
        }
        return norm;
    }

    /** One update of every trainable parameter with learning rate {@code lr}. */
    public void step(double lr) {
        stepsTaken++;
        double biasCorrection1 = 1 - Math.pow(config.beta1(), stepsTaken);
        double biasCorrection2 = 1 - Math.pow(config.beta2(), stepsTaken);
        kernels.adamw(params, grads, ms, vs, decays, 1 - lr * config.weightDecay(), lr / biasCorrection1,
                config.beta1(), config.beta2(), biasCorrection2, config.eps());
    }

    /** Steps taken so far (the t of the bias corrections). */
    public long stepsTaken() {
        return stepsTaken;
    }

    public TrainableSet trainable() {
        return trainable;
    }

    /** First moments, laid out by {@link TrainableSet#stateLayout()}. */
    public INDArray m() {
        return m;
    }

    /** Second moments, laid out by {@link TrainableSet#stateLayout()}. */
    public INDArray v() {
        return v;
    }

    /** Restores the step count after {@link #m()} and {@link #v()} were filled from a checkpoint. */
    public void restoreStepsTaken(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("adam_steps: must be >= 0, got " + steps);
        }
        this.stepsTaken = steps;
    }
}
