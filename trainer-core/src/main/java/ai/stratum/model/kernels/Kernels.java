package ai.stratum.model.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The work of a decoder's step: its matmuls, element-wise and reduction work, each forward next to its backward,
 * and the attention core (its per-head matmuls included). Every output is preallocated by the caller
 * and written in place; "+=" marks outputs that are accumulated into rather than overwritten.
 *
 * <p>Shapes use B batch, T sequence, C channels, NH heads, V vocabulary, N = B*T rows. Arrays are row-major and
 * may be views into larger buffers; the 2-D arguments of RMSNorm, RoPE, SwiGLU and attention (all but att) may
 * also be column slices (row stride larger than the width). Implementations: {@link NaiveKernels} (the reference, double loops),
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

    /**
     * out (N, C) = wte[tokens[n]] + wpe[positions[n]]; tokens and positions (N). wpe may be null (no learned
     * positions, as with RoPE): out = wte[tokens[n]], and positions is then unused (may be null).
     */
    void embeddingForward(INDArray out, int[] tokens, int[] positions, INDArray wte, INDArray wpe);

    /**
     * dwte (V, C) += rows of dout (N, C) scattered by token; dwpe (T', C) += the same rows scattered by position,
     * unless dwpe is null (no learned positions; positions is then unused and may be null).
     */
    void embeddingBackward(INDArray dwte, INDArray dwpe, INDArray dout, int[] tokens, int[] positions);

    /**
     * out (N, C) = (inp - mean) * rstd * weight + bias with rstd = 1 / sqrt(var + eps); also writes mean (N) and
     * rstd (N) for the backward.
     */
    void layerNormForward(INDArray out, INDArray mean, INDArray rstd, INDArray inp, INDArray weight, INDArray bias,
                          double eps);

    /** dinp (N, C) +=, dweight (C) +=, dbias (C) += from dout (N, C) and the forward's inp, mean and rstd. */
    void layerNormBackward(INDArray dinp, INDArray dweight, INDArray dbias, INDArray dout, INDArray inp,
                           INDArray weight, INDArray mean, INDArray rstd);

    /**
     * out (N, C) = inp * rstd * weight with rstd (N) = 1 / sqrt(mean_c(inp^2) + eps); also writes rstd for the
     * backward. Float inputs are accumulated in float32 at least (as HF upcasts to fp32).
     */
    void rmsNormForward(INDArray out, INDArray rstd, INDArray inp, INDArray weight, double eps);

    /** dinp (N, C) +=, dweight (C) += from dout (N, C), the forward's inp and rstd. */
    void rmsNormBackward(INDArray dinp, INDArray dweight, INDArray dout, INDArray inp, INDArray weight, INDArray rstd);

    /**
     * Rotary position embedding in place, HF's rotate-half layout, on x (N, nHeads * headDim) (a column slice of
     * the qkv buffer: its q part or its k part, so the row stride may exceed the width): for each head and
     * i &lt; headDim / 2, with c = cos[pos][i], s = sin[pos][i], pos = positions[n],
     * (x1, x2) = (x[i], x[i + headDim / 2]) becomes (x1 c - x2 s, x2 c + x1 s). cos and sin are
     * (maxPos, headDim / 2) tables computed once by the model (theta and rope_scaling applied there).
     */
    void ropeForward(INDArray x, int nHeads, int headDim, int[] positions, INDArray cos, INDArray sin);

    /**
     * The backward of {@link #ropeForward}: the inverse rotation applied in place to dx, so the gradient w.r.t.
     * the rotated x becomes the gradient w.r.t. the unrotated x.
     */
    void ropeBackward(INDArray dx, int nHeads, int headDim, int[] positions, INDArray cos, INDArray sin);

    /** out (N, I) = silu(gateUp[:, 0:I]) * gateUp[:, I:2I] with gateUp (N, 2I) and silu(g) = g / (1 + e^-g). */
    void swigluForward(INDArray out, INDArray gateUp);

    /** dGateUp (N, 2I) = the gradient w.r.t. gateUp (overwritten) from dout (N, I) and the forward's gateUp. */
    void swigluBackward(INDArray dGateUp, INDArray dout, INDArray gateUp);

    /** out = GELU(inp), tanh approximation as GPT-2; any shape, out may not alias inp. */
    void geluForward(INDArray out, INDArray inp);

    /** dinp = GELU'(inp) * dout (overwritten); dinp may alias dout. */
    void geluBackward(INDArray dinp, INDArray dout, INDArray inp);

    /**
     * Causal self-attention with grouped-query heads. qkv (N, (nHead + 2 nKvHead) * headDim) holds per row the
     * query heads, then the key heads, then the value heads, each headDim wide (q and k already normed and
     * rotated by the caller). Query head h uses key/value head h / (nHead / nKvHead). Scores are scale * q.k
     * (1 / sqrt(headDim), or less for GPT-2's scale_attn_by_inverse_layer_idx). Writes att (B, nHead, T, T), the
     * softmax of the scores over the keys a query may see and 0 elsewhere, and out (N, nHead * headDim) =
     * dropout(att) @ v with the heads side by side. Query i sees key j when j &lt;= i, when {@code segmentIds}
     * (B*T) is not null both positions carry the same segment id, and when {@code window} &gt; 0, i - j &lt;
     * window (Mistral's sliding window). With {@code dropout} p &gt; 0 the probabilities that multiply v are
     * masked as by {@link #dropout} over the (B, nHead, T, T) array with (seed, stream); att keeps them unmasked.
     */
    void attentionForward(INDArray out, INDArray att, INDArray qkv, int nHead, int nKvHead, int headDim,
                          double scale, int window, int[] segmentIds, double dropout, long seed, long stream);

    /**
     * dqkv (N, (nHead + 2 nKvHead) * headDim) = the gradient w.r.t. the forward's qkv (overwritten) from dout
     * (N, nHead * headDim), the forward's qkv and att, and the forward's other arguments. (The segments and the
     * window are in att's zeros already.)
     */
    void attentionBackward(INDArray dqkv, INDArray dout, INDArray qkv, INDArray att, int nHead, int nKvHead,
                           int headDim, double scale, int window, double dropout, long seed, long stream);

    /**
     * Query rows against key/value caches (decoding one new position per sequence, or a prompt's chunk of
     * positions): out (N, nHead * headDim) from q (N, nHead * headDim) and kCache, vCache (S, maxLen,
     * nKvHead * headDim). Row n belongs to the sequence in cache slot {@code slots[n]} and attends to its positions
     * [max(0, len[n] - window), len[n]) (all of [0, len[n]) when window is 0); len[n] counts the row's own
     * position, already written to the caches ({@link #kvCacheWrite}). The scores are scale * q.k as in
     * {@link #attentionForward}.
     */
    void attentionDecode(INDArray out, INDArray q, INDArray kCache, INDArray vCache, int[] slots, int[] len,
                         int nHead, int nKvHead, int headDim, double scale, int window);

    /**
     * Stores each row's key and value heads in the caches: for row n of qkv (N, (nHead + 2 nKvHead) * headDim)
     * (q and k already normed and rotated), kCache[slots[n], positions[n]] = its key heads and
     * vCache[slots[n], positions[n]] = its value heads; kCache, vCache (S, maxLen, nKvHead * headDim) contiguous.
     */
    void kvCacheWrite(INDArray kCache, INDArray vCache, INDArray qkv, int nHead, int nKvHead, int headDim,
                      int[] slots, int[] positions);

    /** dbias (C) += the column sums of dout (N, C): a linear layer's bias gradient. */
    void biasGradient(INDArray dbias, INDArray dout);

    /**
     * Cross-entropy forward and backward in one pass over logits (N, V) (a chunk of rows, so that the LM head need
     * never hold (B*T, V) at once): returns the sum over rows with
     * targets[n] >= 0 of -log softmax(logits[n])[targets[n]], and writes dlogits (N, V) = softmax(logits[n]) -
     * onehot(targets[n]) on those rows and 0 on the others, the gradient of that sum (the caller scales it).
     */
    double crossEntropy(INDArray dlogits, INDArray logits, int[] targets);

    /**
     * x *= mask / (1 - p) with the mask of {@link Dropout#keep}: a pure function of (seed, stream, element index),
     * so applying it to the output gradient is the backward.
     */
    void dropout(INDArray x, double p, long seed, long stream);

    /** The sum of the squared elements of every array (1-D views), accumulated in double where the type allows. */
    double sumOfSquares(INDArray[] xs);

    /** Every element of every array (1-D views) *= s: gradient clipping. */
    void scale(INDArray[] xs, double s);

    /**
     * One AdamW update in place, over tensors given as equally long 1-D views params[i], grads[i], m[i], v[i]:
     * <pre>
     * m &lt;- beta1 * m + (1 - beta1) * g
     * v &lt;- beta2 * v + (1 - beta2) * g^2
     * p &lt;- p * decay                                    (only where decays[i])
     * p &lt;- p - stepSize * m / (sqrt(v / biasCorrection2) + eps)
     * </pre>
     * with decay = 1 - lr * weight_decay and stepSize = lr / biasCorrection1 computed by the optimizer.
     */
    void adamw(INDArray[] params, INDArray[] grads, INDArray[] m, INDArray[] v, boolean[] decays, double decay,
               double stepSize, double beta1, double beta2, double biasCorrection2, double eps);
}
