package ai.stratum.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The work of the GPT step: its matmuls, element-wise and reduction work, each forward next to its backward, and
 * the attention core (its per-head matmuls included). Every output is preallocated by the caller
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

    /**
     * c (M, N) = alpha * op(a) @ op(b) + beta * c, where op transposes when its flag is set: the linear layers' and
     * the LM head's matmuls. Row-major 2-D arrays, views allowed.
     */
    void matmul(INDArray c, INDArray a, INDArray b, boolean transA, boolean transB, double alpha, double beta);

    /** out (N, C) += bias (C) on every row: a linear layer's bias. */
    void addBias(INDArray out, INDArray bias);

    /** out = a + b element-wise, all (N, C); out may alias a or b: a residual connection. */
    void add(INDArray out, INDArray a, INDArray b);

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
     * Causal multi-head self-attention. qkv (N, 3C) holds each position's query, key and value side by side, each
     * (NH, hs) with hs = C / NH: the qkv projection's output as it is. Writes att (B, NH, T, T), the probabilities
     * softmax(q.k / sqrt(hs)) over the keys a query may see and 0 elsewhere, and out (N, C) = dropout(att) @ v
     * with the heads side by side. Query i sees key j when j <= i and, if {@code segmentIds} (B*T) is not null,
     * both positions carry the same segment id. With {@code dropout} p > 0 the probabilities that multiply v are
     * masked as by {@link #dropout} over the (B, NH, T, T) array with (seed, stream); att keeps them unmasked.
     */
    void attentionForward(INDArray out, INDArray att, INDArray qkv, int[] segmentIds, double dropout, long seed,
                          long stream);

    /**
     * dqkv (N, 3C) = the gradient w.r.t. the forward's qkv (overwritten) from dout (N, C), the forward's qkv and
     * att, and the same dropout arguments.
     */
    void attentionBackward(INDArray dqkv, INDArray dout, INDArray qkv, INDArray att, double dropout, long seed,
                           long stream);

    /** dbias (C) += the column sums of dout (N, C): a linear layer's bias gradient. */
    void biasGradient(INDArray dbias, INDArray dout);

    /**
     * Cross-entropy forward and backward in one pass over logits (N, V): returns the sum over rows with
     * targets[n] >= 0 of -log softmax(logits[n])[targets[n]], and writes dlogits (N, V) = softmax(logits[n]) -
     * onehot(targets[n]) on those rows and 0 on the others, the gradient of that sum (the caller scales it).
     */
    double crossEntropy(INDArray dlogits, INDArray logits, int[] targets);

    /**
     * x *= mask / (1 - p) with the mask of {@link Dropout#keep}: a pure function of (seed, stream, element index),
     * so applying it to the output gradient is the backward.
     */
    void dropout(INDArray x, double p, long seed, long stream);
}
