package ai.stratum.model;

/**
 * The shape of a GPT-2-architecture decoder: token and learned position embeddings, {@code nLayer}
 * pre-LayerNorm blocks of causal self-attention and a 4x GELU MLP, final LayerNorm, LM head tied to the
 * token embedding, biases everywhere.
 *
 * @param vocabSize     number of token ids (the LM head's width)
 * @param contextLength maximum sequence length (rows of {@code wpe.weight})
 * @param nLayer        transformer blocks
 * @param nHead         attention heads; must divide {@code dModel}
 * @param dModel        residual stream width
 * @param dropout       dropout probability on embeddings, attention weights and residual branches, in [0, 1)
 */
public record ModelConfig(int vocabSize, int contextLength, int nLayer, int nHead, int dModel, double dropout) {

    /** LayerNorm epsilon, as GPT-2's {@code layer_norm_epsilon}. */
    public static final double LAYER_NORM_EPS = 1e-5;

    public ModelConfig {
        if (vocabSize < 2) {
            throw new IllegalArgumentException("vocab_size: must be at least 2, got " + vocabSize);
        }
        if (contextLength < 1) {
            throw new IllegalArgumentException("context_length: must be at least 1, got " + contextLength);
        }
        if (nLayer < 1) {
            throw new IllegalArgumentException("n_layer: must be at least 1, got " + nLayer);
        }
        if (nHead < 1) {
            throw new IllegalArgumentException("n_head: must be at least 1, got " + nHead);
        }
        if (dModel < 1 || dModel % nHead != 0) {
            throw new IllegalArgumentException("d_model: must be a positive multiple of n_head (" + nHead
                    + "), got " + dModel);
        }
        if (!(dropout >= 0.0 && dropout < 1.0)) {
            throw new IllegalArgumentException("dropout: must be in [0, 1), got " + dropout);
        }
    }

    /** Width of one attention head. */
    public int headDim() {
        return dModel / nHead;
    }

    /** Width of the MLP's hidden layer. */
    public int mlpDim() {
        return 4 * dModel;
    }
}
