package ai.stratum.hf;

import ai.stratum.model.ModelConfig;

/**
 * The Hugging Face model families Stratum reads and writes: each a {@code model_type} in {@code config.json} and
 * the {@code architectures} class {@code transformers} instantiates for causal LM.
 */
public enum Family {
    GPT2("gpt2", "GPT2LMHeadModel"),
    LLAMA("llama", "LlamaForCausalLM"),
    MISTRAL("mistral", "MistralForCausalLM"),
    QWEN2("qwen2", "Qwen2ForCausalLM"),
    QWEN3("qwen3", "Qwen3ForCausalLM");

    private final String modelType;
    private final String architecture;

    Family(String modelType, String architecture) {
        this.modelType = modelType;
        this.architecture = architecture;
    }

    public String modelType() {
        return modelType;
    }

    public String architecture() {
        return architecture;
    }

    /** The family of a {@code model_type}, or an {@link IllegalArgumentException} listing the supported ones. */
    public static Family ofModelType(String modelType) {
        for (Family f : values()) {
            if (f.modelType.equals(modelType)) {
                return f;
            }
        }
        throw new IllegalArgumentException("model_type: '" + modelType + "' is not supported; supported: gpt2, "
                + "llama, mistral, qwen2, qwen3");
    }

    /**
     * The family whose {@code config.json} can express {@code config}, for a model that has no recorded family
     * (a Stratum preset): LayerNorm with learned positions and a GELU MLP is gpt2; per-head q/k norms are qwen3; q/k/v biases without an
     * output bias are qwen2; a sliding window is mistral; every other Llama-style config is llama. A config none
     * of them can hold is refused naming the field.
     */
    public static Family infer(ModelConfig c) {
        if (c.norm() == ModelConfig.Norm.LAYER_NORM && c.positions() == ModelConfig.Positions.LEARNED
                && c.mlp() == ModelConfig.Mlp.GELU_TANH) {
            return GPT2; // WeightMap.of(GPT2, c) checks the rest (biases, tied head, multi-head)
        }
        if (c.norm() != ModelConfig.Norm.RMS_NORM || c.positions() != ModelConfig.Positions.ROPE
                || c.mlp() != ModelConfig.Mlp.SWIGLU) {
            throw new IllegalArgumentException("model: a config with norm " + c.norm() + ", positions "
                    + c.positions() + " and mlp " + c.mlp() + " is neither GPT-2 nor Llama-style; no Hugging Face "
                    + "family can hold it");
        }
        if (c.qkNorm()) {
            return QWEN3;
        }
        if (c.qkvBias() && !c.outBias()) {
            return QWEN2;
        }
        return c.slidingWindow() > 0 ? MISTRAL : LLAMA;
    }
}
