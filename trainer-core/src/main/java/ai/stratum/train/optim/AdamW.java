package ai.stratum.train.optim;

import ai.stratum.train.TrainableSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * AdamW (Loshchilov and Hutter) over the flat parameter and gradient buffers, restricted to a
 * {@link TrainableSet}. Per element, at step t (1-based):
 * <pre>
 * p &lt;- p * (1 - lr * wd)                     (decoupled decay; only tensors with 2+ dimensions)
 * m &lt;- beta1 * m + (1 - beta1) * g
 * v &lt;- beta2 * v + (1 - beta2) * g^2
 * p &lt;- p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * </pre>
 * Float buffers on the CPU take the fused path: one pass over the direct buffers per call, split into fixed chunks
 * computed on all cores, with the arithmetic of the ND4J path in the same order. Otherwise (double, or the CUDA
 * backend) each line is one ND4J op over a whole segment of adjacent tensors (the whole buffer when everything
 * trains). The moments {@code m} and {@code v} are flat buffers laid out by {@link TrainableSet#stateLayout()}.
 */
public final class AdamW {

    private record SegmentViews(INDArray param, INDArray grad, INDArray m, INDArray v, INDArray scratch,
                                boolean decays) {
    }

    /** A piece of a segment: the unit of work of the fused path, and of its partial sums. */
    private record Chunk(int param, int state, int length, boolean decays) {
    }

    /** Elements per chunk of the fused path; chunks are processed in blocks of {@link #BLOCK} in the L1 cache. */
    private static final int CHUNK = 1 << 15;
    private static final int BLOCK = 1024;

    private final OptimConfig config;
    private final TrainableSet trainable;
    private final INDArray m;
    private final INDArray v;
    private final List<SegmentViews> views = new ArrayList<>();
    private long stepsTaken;

    // the fused path (null chunks: the ND4J path)
    private final Chunk[] chunks;
    private final double[] chunkSquares;
    private final int threads = Runtime.getRuntime().availableProcessors();
    private final FloatBuffer p;
    private final FloatBuffer g;
    private final FloatBuffer mb;
    private final FloatBuffer vb;
    private final int pBase;
    private final int gBase;
    private final int mBase;
    private final int vBase;

    /** Takes the fused path for float buffers on the CPU backend, the ND4J path otherwise. */
    public AdamW(OptimConfig config, TrainableSet trainable, INDArray params, INDArray grads) {
        this(config, trainable, params, grads, params.dataType() == DataType.FLOAT
                && grads.dataType() == DataType.FLOAT && Nd4j.getEnvironment().isCPU());
    }

    /** @param fused whether to take the fused path (float buffers only); false forces the ND4J path */
    AdamW(OptimConfig config, TrainableSet trainable, INDArray params, INDArray grads, boolean fused) {
        long n = trainable.layout().size();
        if (params.length() != n || grads.length() != n) {
            throw new IllegalArgumentException("params: expected flat buffers of " + n + " elements, got params "
                    + params.length() + " and grads " + grads.length());
        }
        this.config = config;
        this.trainable = trainable;
        this.m = Nd4j.zeros(params.dataType(), trainable.size());
        this.v = Nd4j.zeros(params.dataType(), trainable.size());
        INDArray flatParams = params.reshape(n);
        INDArray flatGrads = grads.reshape(n);
        boolean canFuse = fused && params.dataType() == DataType.FLOAT && grads.dataType() == DataType.FLOAT
                && n < Integer.MAX_VALUE && contiguous(flatParams) && contiguous(flatGrads);
        long longest = trainable.segments().stream().mapToLong(TrainableSet.Segment::length).max().orElseThrow();
        INDArray scratch = canFuse ? null : Nd4j.zeros(params.dataType(), longest);
        for (TrainableSet.Segment s : trainable.segments()) {
            views.add(new SegmentViews(
                    slice(flatParams, s.paramOffset(), s.length()), slice(flatGrads, s.paramOffset(), s.length()),
                    slice(m, s.stateOffset(), s.length()), slice(v, s.stateOffset(), s.length()),
                    canFuse ? null : slice(scratch, 0, s.length()), s.decays()));
        }
        if (canFuse) {
            this.chunks = chunks(trainable);
            this.chunkSquares = new double[chunks.length];
            this.p = flatParams.data().asNioFloat();
            this.g = flatGrads.data().asNioFloat();
            this.mb = m.data().asNioFloat();
            this.vb = v.data().asNioFloat();
            this.pBase = Math.toIntExact(flatParams.offset());
            this.gBase = Math.toIntExact(flatGrads.offset());
            this.mBase = Math.toIntExact(m.offset());
            this.vBase = Math.toIntExact(v.offset());
        } else {
            this.chunks = null;
            this.chunkSquares = null;
            this.p = null;
            this.g = null;
            this.mb = null;
            this.vb = null;
            this.pBase = 0;
            this.gBase = 0;
            this.mBase = 0;
            this.vBase = 0;
        }
    }

    private static boolean contiguous(INDArray flat) {
        return flat.rank() == 1 && (flat.length() == 1 || flat.stride(0) == 1);
    }

    private static Chunk[] chunks(TrainableSet trainable) {
        List<Chunk> out = new ArrayList<>();
        for (TrainableSet.Segment s : trainable.segments()) {
            for (long at = 0; at < s.length(); at += CHUNK) {
                out.add(new Chunk(Math.toIntExact(s.paramOffset() + at), Math.toIntExact(s.stateOffset() + at),
                        (int) Math.min(CHUNK, s.length() - at), s.decays()));
            }
        }
        return out.toArray(new Chunk[0]);
    }

    @FunctionalInterface
    private interface ChunkBody {
        void run(Chunk chunk, int index, float[][] scratch);
    }

    /** Runs {@code body} on every chunk, the chunks split into one contiguous range per core. */
    private void forEachChunk(int scratchArrays, ChunkBody body) {
        int parts = Math.min(threads, chunks.length);
        IntStream.range(0, parts).parallel().forEach(part -> {
            float[][] scratch = new float[scratchArrays][BLOCK];
            int to = (int) ((long) chunks.length * (part + 1) / parts);
            for (int c = (int) ((long) chunks.length * part / parts); c < to; c++) {
                body.run(chunks[c], c, scratch);
            }
        });
    }

    /** Whether this optimizer updates through the fused loops rather than ND4J ops. */
    boolean fused() {
        return chunks != null;
    }

    private static INDArray slice(INDArray flat, long offset, long length) {
        return flat.get(NDArrayIndex.interval(offset, offset + length));
    }

    /** The global L2 norm of the trainable gradients. */
    public double gradNorm() {
        if (fused()) {
            return fusedGradNorm();
        }
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
            if (fused()) {
                fusedScaleGradients((float) scale);
                return norm;
            }
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
        if (fused()) {
            fusedStep(lr, biasCorrection1, biasCorrection2);
            return;
        }
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

    /** The sum of squares per chunk (four interleaved double sums, so the adds overlap), added in chunk order. */
    private double fusedGradNorm() {
        forEachChunk(1, (chunk, index, scratch) -> {
            float[] gr = scratch[0];
            double s0 = 0;
            double s1 = 0;
            double s2 = 0;
            double s3 = 0;
            for (int at = 0; at < chunk.length(); at += BLOCK) {
                int n = Math.min(BLOCK, chunk.length() - at);
                g.get(gBase + chunk.param() + at, gr, 0, n);
                int i = 0;
                for (; i + 4 <= n; i += 4) {
                    s0 += (double) gr[i] * gr[i];
                    s1 += (double) gr[i + 1] * gr[i + 1];
                    s2 += (double) gr[i + 2] * gr[i + 2];
                    s3 += (double) gr[i + 3] * gr[i + 3];
                }
                for (; i < n; i++) {
                    s0 += (double) gr[i] * gr[i];
                }
            }
            chunkSquares[index] = (s0 + s1) + (s2 + s3);
        });
        double sumSquares = 0;
        for (double s : chunkSquares) {
            sumSquares += s;
        }
        return Math.sqrt(sumSquares);
    }

    private void fusedScaleGradients(float scale) {
        forEachChunk(1, (chunk, index, scratch) -> {
            float[] gr = scratch[0];
            for (int at = 0; at < chunk.length(); at += BLOCK) {
                int n = Math.min(BLOCK, chunk.length() - at);
                int pos = gBase + chunk.param() + at;
                g.get(pos, gr, 0, n);
                for (int i = 0; i < n; i++) {
                    gr[i] *= scale;
                }
                g.put(pos, gr, 0, n);
            }
        });
    }

    /**
     * The update of {@link #step} in float, operation for operation as the ND4J path; short loops per block so the
     * JIT vectorizes each.
     */
    private void fusedStep(double lr, double biasCorrection1, double biasCorrection2) {
        float b1 = (float) config.beta1();
        float b2 = (float) config.beta2();
        float oneMinusB1 = (float) (1 - config.beta1());
        float oneMinusB2 = (float) (1 - config.beta2());
        float decay = (float) (1 - lr * config.weightDecay());
        boolean decayOn = config.weightDecay() > 0;
        float bc2 = (float) biasCorrection2;
        float eps = (float) config.eps();
        float stepSize = (float) (lr / biasCorrection1);
        forEachChunk(5, (chunk, index, scratch) -> {
            float[] pr = scratch[0];
            float[] gr = scratch[1];
            float[] mr = scratch[2];
            float[] vr = scratch[3];
            float[] d = scratch[4];
            boolean decays = decayOn && chunk.decays();
            for (int at = 0; at < chunk.length(); at += BLOCK) {
                int n = Math.min(BLOCK, chunk.length() - at);
                int pp = pBase + chunk.param() + at;
                int mp = mBase + chunk.state() + at;
                int vp = vBase + chunk.state() + at;
                p.get(pp, pr, 0, n);
                g.get(gBase + chunk.param() + at, gr, 0, n);
                mb.get(mp, mr, 0, n);
                vb.get(vp, vr, 0, n);
                for (int i = 0; i < n; i++) {
                    mr[i] = mr[i] * b1 + gr[i] * oneMinusB1;
                }
                for (int i = 0; i < n; i++) {
                    vr[i] = vr[i] * b2 + gr[i] * gr[i] * oneMinusB2;
                }
                for (int i = 0; i < n; i++) {
                    d[i] = (float) Math.sqrt(vr[i] / bc2) + eps;
                }
                if (decays) {
                    for (int i = 0; i < n; i++) {
                        pr[i] *= decay;
                    }
                }
                for (int i = 0; i < n; i++) {
                    pr[i] -= mr[i] / d[i] * stepSize;
                }
                p.put(pp, pr, 0, n);
                mb.put(mp, mr, 0, n);
                vb.put(vp, vr, 0, n);
            }
        });
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
