package ai.stratum.model;

/**
 * A decoder-only transformer's architecture as data, as litgpt's {@code Config}: GPT-2, Llama 3.x, Mistral, Qwen2
 * and Qwen3 (and SmolLM, a Llama) are configurations of one decoder. Every block is pre-norm:
 * {@code x += attn(norm(x)); x += mlp(norm(x))}, then a final norm and the LM head.
 *
 * <p>Internal parameter names and layouts (Hugging Face names are mapped only at the I/O boundary, one table per
 * family in {@code ai.stratum.hf}); every linear weight is {@code [out, in]} as {@code torch.nn.Linear}:
 * <pre>
 * tok_embeddings.weight        [V, C]
 * pos_embeddings.weight        [contextLength, C]                 positions == LEARNED only
 * layers.{i}.attn_norm.weight  [C]   (.bias [C] when norm == LAYER_NORM)
 * layers.{i}.attn.qkv.weight   [(nHead + 2 nKvHead) hd, C]       q rows, then k rows, then v rows (hd = headDim)
 * layers.{i}.attn.qkv.bias     [(nHead + 2 nKvHead) hd]          qkvBias only
 * layers.{i}.attn.q_norm.weight [hd], layers.{i}.attn.k_norm.weight [hd]   qkNorm only (RMSNorm per head, Qwen3)
 * layers.{i}.attn.proj.weight  [C, nHead hd]  (.bias [C] when outBias)
 * layers.{i}.mlp_norm.weight   [C]   (.bias [C] when norm == LAYER_NORM)
 * layers.{i}.mlp.fc.weight     [I, C] for GELU; [2 I, C] for SWIGLU: gate rows [0, I), then up rows [I, 2 I)
 * layers.{i}.mlp.fc.bias       [I] or [2 I]                       mlpBias only
 * layers.{i}.mlp.proj.weight   [C, I]  (.bias [C] when mlpBias)
 * norm.weight                  [C]   (.bias [C] when norm == LAYER_NORM)
 * lm_head.weight               [V, C]                             untied only (tied: the head is tok_embeddings)
 * </pre>
 *
 * @param vocabSize                  number of token ids (the LM head's width)
 * @param contextLength              maximum sequence length (learned positions' rows; RoPE's max_position_embeddings)
 * @param nLayer                     transformer blocks
 * @param nHead                      query heads
 * @param nKvHead                    key/value heads (GQA; = nHead for multi-head, 1 for MQA); must divide nHead;
 *                                   0 means nHead
 * @param headDim                    width of one head (GPT-2 and Llama: dModel / nHead; Qwen3 may differ); 0 means
 *                                   dModel / nHead
 * @param dModel                     residual stream width C
 * @param intermediateSize           the MLP's hidden width I; 0 means 4 C (GELU only)
 * @param norm                       LAYER_NORM (with bias) or RMS_NORM (weight only)
 * @param normEps                    the norms' epsilon (GPT-2 {@code layer_norm_epsilon}; Llama {@code rms_norm_eps})
 * @param positions                  LEARNED (GPT-2's wpe) or ROPE (rotate-half, as HF stores q/k)
 * @param ropeTheta                  RoPE base (ignored for LEARNED)
 * @param ropeScaling                RoPE frequency scaling, or null for none
 * @param qkvBias                    the q/k/v projections have a bias (GPT-2, Qwen2)
 * @param outBias                    the attention output projection has a bias (GPT-2)
 * @param qkNorm                     per-head RMSNorm of q and k before RoPE (Qwen3)
 * @param mlp                        GELU_TANH (GPT-2's gelu_new) or SWIGLU (silu(gate) * up)
 * @param mlpBias                    the MLP's linear layers have biases (GPT-2)
 * @param tiedEmbeddings             the LM head is the token embedding
 * @param scaleAttnByInverseLayerIdx GPT-2's {@code scale_attn_by_inverse_layer_idx}: attention scores of layer i
 *                                   are further divided by (i + 1)
 * @param slidingWindow              Mistral-style attention window in positions, or 0 for none (full causal)
 * @param dropout                    dropout probability on embeddings, attention weights and residual branches
 */
public record ModelConfig(int vocabSize, int contextLength, int nLayer, int nHead, int nKvHead, int headDim,
                          int dModel, int intermediateSize, Norm norm, double normEps, Positions positions,
                          double ropeTheta, RopeScaling ropeScaling, boolean qkvBias, boolean outBias,
                          boolean qkNorm, Mlp mlp, boolean mlpBias, boolean tiedEmbeddings,
                          boolean scaleAttnByInverseLayerIdx, int slidingWindow, double dropout) {

    /** GPT-2's LayerNorm epsilon ({@code layer_norm_epsilon}'s default). */
    public static final double LAYER_NORM_EPS = 1e-5;

    public enum Norm { LAYER_NORM, RMS_NORM }

    public enum Positions { LEARNED, ROPE }

    public enum Mlp { GELU_TANH, SWIGLU }

    /**
     * RoPE frequency scaling, as HF's {@code rope_scaling}: {@code linear} divides every position by
     * {@code factor}; {@code llama3} (Llama 3.1+) rescales the low frequencies by {@code factor} and blends the
     * band between {@code low_freq_factor} and {@code high_freq_factor} against
     * {@code original_max_position_embeddings}.
     */
    public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                              int originalMaxPositionEmbeddings) {
        public RopeScaling {
            if (!"linear".equals(type) && !"llama3".equals(type)) {
                throw new IllegalArgumentException("rope_scaling.type: must be 'linear' or 'llama3', got '" + type
                        + "'");
            }
            if (!(factor > 0)) {
                throw new IllegalArgumentException("rope_scaling.factor: must be positive, got " + factor);
            }
            if ("llama3".equals(type)) {
                if (!(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor)) {
                    throw new IllegalArgumentException("rope_scaling.high_freq_factor: must be greater than "
                            + "low_freq_factor > 0, got " + lowFreqFactor + " and " + highFreqFactor);
                }
                if (originalMaxPositionEmbeddings < 1) {
                    throw new IllegalArgumentException("rope_scaling.original_max_position_embeddings: must be "
                            + "positive, got " + originalMaxPositionEmbeddings);
                }
            }
        }

        public static RopeScaling linear(double factor) {
            return new RopeScaling("linear", factor, 0, 0, 0);
        }
    }

    public ModelConfig {
        // 0 means "derived", as in a preset that leaves them to d_model and n_head
        if (nKvHead == 0) {
            nKvHead = nHead;
        }
        if (headDim == 0 && nHead > 0 && dModel % nHead == 0) {
            headDim = dModel / nHead;
        }
        if (intermediateSize == 0 && mlp == Mlp.GELU_TANH) {
            intermediateSize = 4 * dModel;
        }
        require(vocabSize >= 2, "vocab_size", "must be at least 2, got " + vocabSize);
        require(contextLength >= 1, "context_length", "must be at least 1, got " + contextLength);
        require(nLayer >= 1, "n_layer", "must be at least 1, got " + nLayer);
        require(nHead >= 1, "n_head", "must be at least 1, got " + nHead);
        require(nKvHead >= 1 && nHead % nKvHead == 0, "n_kv_head",
                "must be a positive divisor of n_head (" + nHead + "), got " + nKvHead);
        require(dModel >= 1, "d_model", "must be positive, got " + dModel);
        require(headDim >= 1, "head_dim", "must be positive, got " + headDim);
        require(norm != null, "norm", "must be layer_norm or rms_norm");
        require(positions != null, "positions", "must be learned or rope");
        require(mlp != null, "mlp", "must be gelu_tanh or swiglu");
        require(intermediateSize >= 1, "intermediate_size", "must be positive, got " + intermediateSize);
        require(normEps > 0 && normEps < 1, "norm_eps", "must be in (0, 1), got " + normEps);
        if (positions == Positions.ROPE) {
            require(headDim % 2 == 0, "head_dim", "must be even for RoPE, got " + headDim);
            require(ropeTheta > 1, "rope_theta", "must be greater than 1, got " + ropeTheta);
        } else {
            require(ropeScaling == null, "rope_scaling", "applies to positions: rope only");
        }
        require(slidingWindow >= 0, "sliding_window", "must be 0 (none) or positive, got " + slidingWindow);
        require(dropout >= 0.0 && dropout < 1.0, "dropout", "must be in [0, 1), got " + dropout);
    }

    private static void require(boolean ok, String key, String what) {
        if (!ok) {
            throw new IllegalArgumentException(key + ": " + what);
        }
    }

    /** GPT-2's architecture: learned positions, LayerNorm (eps 1e-5), biases everywhere, 4x GELU MLP, tied head. */
    public static ModelConfig gpt2(int vocabSize, int contextLength, int nLayer, int nHead, int dModel,
                                   double dropout) {
        if (nHead < 1 || dModel % nHead != 0) {
            throw new IllegalArgumentException("d_model: must be a positive multiple of n_head (" + nHead
                    + "), got " + dModel);
        }
        return new ModelConfig(vocabSize, contextLength, nLayer, nHead, nHead, dModel / nHead, dModel, 4 * dModel,
                Norm.LAYER_NORM, LAYER_NORM_EPS, Positions.LEARNED, 10000.0, null, true, true, false,
                Mlp.GELU_TANH, true, true, false, 0, dropout);
    }

    /**
     * Llama's architecture (Llama 2/3, Mistral without a window, SmolLM): RMSNorm, RoPE, no biases, SwiGLU,
     * head_dim = dModel / nHead.
     */
    public static ModelConfig llama(int vocabSize, int contextLength, int nLayer, int nHead, int nKvHead,
                                    int dModel, int intermediateSize, double normEps, double ropeTheta,
                                    boolean tiedEmbeddings) {
        if (nHead < 1 || dModel % nHead != 0) {
            throw new IllegalArgumentException("d_model: must be a positive multiple of n_head (" + nHead
                    + "), got " + dModel);
        }
        return new ModelConfig(vocabSize, contextLength, nLayer, nHead, nKvHead, dModel / nHead, dModel,
                intermediateSize, Norm.RMS_NORM, normEps, Positions.ROPE, ropeTheta, null, false, false, false,
                Mlp.SWIGLU, false, tiedEmbeddings, false, 0, 0.0);
    }

    /** This config with another vocabulary size (a tokenizer's), everything else kept. */
    public ModelConfig withVocabSize(int v) {
        return new ModelConfig(v, contextLength, nLayer, nHead, nKvHead, headDim, dModel, intermediateSize, norm,
                normEps, positions, ropeTheta, ropeScaling, qkvBias, outBias, qkNorm, mlp, mlpBias, tiedEmbeddings,
                scaleAttnByInverseLayerIdx, slidingWindow, dropout);
    }

    /** This config with another dropout probability. */
    public ModelConfig withDropout(double p) {
        return new ModelConfig(vocabSize, contextLength, nLayer, nHead, nKvHead, headDim, dModel, intermediateSize,
                norm, normEps, positions, ropeTheta, ropeScaling, qkvBias, outBias, qkNorm, mlp, mlpBias,
                tiedEmbeddings, scaleAttnByInverseLayerIdx, slidingWindow, p);
    }

    /** Whether this is exactly GPT-2's architecture (any size): the shape the GPT-2 checkpoint format can hold. */
    public boolean hasGpt2Architecture() {
        return norm == Norm.LAYER_NORM && positions == Positions.LEARNED && mlp == Mlp.GELU_TANH && qkvBias
                && outBias && mlpBias && tiedEmbeddings && !qkNorm && nKvHead == nHead && headDim * nHead == dModel
                && intermediateSize == 4 * dModel && slidingWindow == 0;
    }

    /** Width of the MLP's hidden layer (I). */
    public int mlpDim() {
        return intermediateSize;
    }

    /** Width of the fused q, k, v projection's output: (nHead + 2 nKvHead) * headDim. */
    public int qkvDim() {
        return (nHead + 2 * nKvHead) * headDim;
    }
}
