package ai.stratum.train;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
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
 * Each line is one ND4J op over a whole segment of adjacent tensors (the whole buffer when everything trains).
 * The moments {@code m} and {@code v} are flat buffers laid out by {@link TrainableSet#stateLayout()}.
 */
public final class AdamW {

    private record SegmentViews(INDArray param, INDArray grad, INDArray m, INDArray v, INDArray scratch,
                                boolean decays) {
    }

    private final OptimConfig config;
    private final TrainableSet trainable;
    private final INDArray m;
    private final INDArray v;
    private final List<SegmentViews> views = new ArrayList<>();
    private long stepsTaken;

    public AdamW(OptimConfig config, TrainableSet trainable, INDArray params, INDArray grads) {
        long n = trainable.layout().size();
        if (params.length() != n || grads.length() != n) {
            throw new IllegalArgumentException("params: expected flat buffers of " + n + " elements, got params "
                    + params.length() + " and grads " + grads.length());
        }
        this.config = config;
        this.trainable = trainable;
        this.m = Nd4j.zeros(params.dataType(), trainable.size());
        this.v = Nd4j.zeros(params.dataType(), trainable.size());
        long longest = trainable.segments().stream().mapToLong(TrainableSet.Segment::length).max().orElseThrow();
        INDArray scratch = Nd4j.zeros(params.dataType(), longest);
        INDArray flatParams = params.reshape(n);
        INDArray flatGrads = grads.reshape(n);
        for (TrainableSet.Segment s : trainable.segments()) {
            views.add(new SegmentViews(
                    slice(flatParams, s.paramOffset(), s.length()), slice(flatGrads, s.paramOffset(), s.length()),
                    slice(m, s.stateOffset(), s.length()), slice(v, s.stateOffset(), s.length()),
                    slice(scratch, 0, s.length()), s.decays()));
        }
    }

    private static INDArray slice(INDArray flat, long offset, long length) {
        return flat.get(NDArrayIndex.interval(offset, offset + length));
    }

    /** The global L2 norm of the trainable gradients. */
    public double gradNorm() {
        double sumSquares = 0;
        for (SegmentViews s : views) {
            double norm = s.grad.norm2Number().doubleValue();
            sumSquares += norm * norm;
        }
        return Math.sqrt(sumSquares);
    }

    /**
     * Scales the trainable gradients so that their global norm is at most {@code grad_clip} (when it is &gt; 0).
     *
     * @return the norm before clipping
     */
    public double clipGradients() {
        double norm = gradNorm();
        if (config.gradClip() > 0 && norm > config.gradClip()) {
            double scale = config.gradClip() / (norm + 1e-6);
            for (SegmentViews s : views) {
                s.grad.muli(scale);
            }
        }
        return norm;
    }

    /** One update of every trainable parameter with learning rate {@code lr}. */
    public void step(double lr) {
        stepsTaken++;
        double b1 = config.beta1();
        double b2 = config.beta2();
        double biasCorrection1 = 1 - Math.pow(b1, stepsTaken);
        double biasCorrection2 = 1 - Math.pow(b2, stepsTaken);
        for (SegmentViews s : views) {
            if (s.decays && config.weightDecay() > 0) {
                s.param.muli(1 - lr * config.weightDecay());
            }
            s.m.muli(b1).addi(s.scratch.assign(s.grad).muli(1 - b1));
            s.v.muli(b2).addi(s.scratch.assign(s.grad).muli(s.grad).muli(1 - b2));
            s.scratch.assign(s.v).divi(biasCorrection2);
            Transforms.sqrt(s.scratch, false).addi(config.eps()).rdivi(s.m).muli(lr / biasCorrection1);
            s.param.subi(s.scratch);
        }
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
