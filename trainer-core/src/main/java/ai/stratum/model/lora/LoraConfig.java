package ai.stratum.model.lora;

import java.util.List;

/**
 * Which linear layers get a low-rank adapter and how big it is.
 *
 * @param r              rank of A [r, in] and B [out, r]
 * @param alpha          the update is scaled by alpha / r
 * @param dropout        dropout on the adapter's input, in [0, 1)
 * @param targetModules  module names as PEFT matches them: a module is adapted when its Hugging Face name equals an
 *                       entry or ends with "." + entry. GPT-2's are {@code c_attn}, {@code attn.c_proj},
 *                       {@code c_fc}, {@code mlp.c_proj} ({@code c_proj} alone means both projections); the Llama
 *                       family's {@code q_proj k_proj v_proj o_proj gate_proj up_proj down_proj}. Names that match
 *                       no layer of the model are refused when the adapters are built.
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targetModules) {

    /** The four kinds of linear layer in a GPT-2 block. */
    public static final List<String> GPT2_LINEARS = List.of("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj");

    /** The seven projections of a Llama-family block. */
    public static final List<String> LLAMA_LINEARS = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
            "up_proj", "down_proj");

    /** Attention only, as the default (GPT-2's names). */
    public static final List<String> DEFAULT_TARGETS = List.of("c_attn", "attn.c_proj");

    public LoraConfig {
        if (r < 1) {
            throw new IllegalArgumentException("r: must be at least 1, got " + r);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("alpha: must be a positive number, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout: must be in [0, 1), got " + dropout);
        }
        if (targetModules == null || targetModules.isEmpty()) {
            throw new IllegalArgumentException("target_modules: name at least one linear layer, e.g. c_attn "
                    + "(GPT-2) or q_proj (Llama family)");
        }
        targetModules = List.copyOf(targetModules);
    }

    public double scale() {
        return alpha / r;
    }

    /** The rank of the adapter on a module (its Hugging Face name). */
    public int rankFor(String hfModule) {
        return r;
    }

    /** The scale of the adapter on a module (its Hugging Face name). */
    public double scaleFor(String hfModule) {
        return scale();
    }

    /** Whether the module (a Hugging Face name without ".weight", e.g. {@code transformer.h.3.attn.c_attn}) is adapted. */
    public boolean targets(String module) {
        return targetModules.stream().anyMatch(t -> matches(module, t));
    }

    private static boolean matches(String module, String target) {
        return module.equals(target) || module.endsWith("." + target);
    }
}
