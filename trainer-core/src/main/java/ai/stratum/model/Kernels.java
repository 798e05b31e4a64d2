package ai.stratum.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The element-wise and reduction work of the GPT step, each forward next to its backward. Matmuls are not here:
 * the model does them with {@code Nd4j.gemm} into preallocated outputs. Every output is preallocated by the caller
 * and written in place; "+=" marks outputs that are accumulated into rather than overwritten.
 *
 * <p>Shapes use B batch, T sequence, C channels, NH heads, V vocabulary, N = B*T rows. Arrays are row-major and
 * may be views into larger buffers. Implementations: {@link NaiveKernels} (the reference, double loops),
 * {@link Nd4jKernels} (ND4J ops only, so it runs on any backend), {@link CpuKernels} (fused loops for the CPU).
 */
public interface Kernels {

    /** The fastest implementation for the ND4J backend in use: fused loops on the CPU, ND4J ops elsewhere. */
    static Kernels forCurrentBackend() {
        return Nd4j.getEnvironment().isCPU() ? new CpuKernels() : new Nd4jKernels();
    }

    /** out (N, C) = wte[tokens[n]] + wpe[positions[n]]; tokens and positions (N). */
    void embeddingForward(INDArray out, int[] tokens, int[] positions, INDArray wte, INDArray wpe);

    /** dwte (V, C) += rows of dout (N, C) scattered by token; dwpe (T', C) += the same rows scattered by position. */
    void embeddingBackward(INDArray dwte, INDArray dwpe, INDArray dout, int[] tokens, int[] positions);

    /** out (N, C) = (inp - mean) * rstd * weight + bias; also writes mean (N) and rstd (N) for the backward. */
    void layerNormForward(INDArray out, INDArray mean, INDArray rstd, INDArray inp, INDArray weight, INDArray bias);

    /** dinp (N, C) +=, dweight (C) +=, dbias (C) += from dout (N, C) and the forward's inp, mean and rstd. */
    void layerNormBackward(INDArray dinp, INDArray dweight, INDArray dbias, INDArray dout, INDArray inp,
                           INDArray weight, INDArray mean, INDArray rstd);

    /** out = GELU(inp), tanh approximation as GPT-2; any shape, out may not alias inp. */
    void geluForward(INDArray out, INDArray inp);

    /** dinp = GELU'(inp) * dout (overwritten); dinp may alias dout. */
    void geluBackward(INDArray dinp, INDArray dout, INDArray inp);

    /**
     * att (B, NH, T, T): scores q.k in, softmax(scale * scores) out. Query i attends to key j only when j <= i
     * and, if {@code segmentIds} (B*T) is not null, both positions carry the same segment id.
     */
    void attentionSoftmaxForward(INDArray att, double scale, int[] segmentIds);

    /**
     * dpreatt (B, NH, T, T) = gradient w.r.t. the raw scores, from datt and the forward's probabilities att
     * (overwritten; may alias datt).
     */
    void attentionSoftmaxBackward(INDArray dpreatt, INDArray datt, INDArray att, double scale);

    /** dbias (C) += the column sums of dout (N, C): a linear layer's bias gradient. */
    void biasGradient(INDArray dbias, INDArray dout);

    /**
     * probs (N, V) = softmax(logits (N, V)); returns the sum over rows with targets[n] >= 0 of -log probs[n, target].
     * Rows with a negative target contribute nothing.
     */
    double crossEntropyForward(INDArray probs, INDArray logits, int[] targets);

    /**
     * dlogits (N, V) = scale * (probs - onehot(target)) on rows with targets[n] >= 0 and 0 on the others
     * (overwritten); dlogits may alias probs.
     */
    void crossEntropyBackward(INDArray dlogits, INDArray probs, int[] targets, double scale);

    /**
     * x *= mask / (1 - p) with the mask of {@link Dropout#keep}: a pure function of (seed, stream, element index),
     * so applying it to the output gradient is the backward.
     */
    void dropout(INDArray x, double p, long seed, long stream);
}
