package ai.stratum.model.lora;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

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
 * @param useRslora      PEFT's {@code use_rslora}: the update is scaled by alpha / sqrt(r) instead of alpha / r
 * @param rankPattern    PEFT's {@code rank_pattern}: per-module ranks, tried in order; key {@code p} applies to a
 *                       module whose Hugging Face name matches the regular expression {@code (.*\.)?(p)} in full
 *                       (PEFT's {@code get_pattern_key}); unmatched modules use {@code r}
 * @param alphaPattern   PEFT's {@code alpha_pattern}: per-module alphas, matched the same way
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targetModules, boolean useRslora,
                         Map<String, Integer> rankPattern, Map<String, Double> alphaPattern) {

    /** The four kinds of linear layer in a GPT-2 block. */
    public static final List<String> GPT2_LINEARS = List.of("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj");

    /** The seven projections of a Llama-family block. */
    public static final List<String> LLAMA_LINEARS = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
            "up_proj", "down_proj");

    /** Attention only, as the default (GPT-2's names). */
    public static final List<String> DEFAULT_TARGETS = List.of("c_attn", "attn.c_proj");

    /** Uniform rank and alpha, scale alpha / r. */
    public LoraConfig(int r, double alpha, double dropout, List<String> targetModules) {
        this(r, alpha, dropout, targetModules, false, Map.of(), Map.of());
    }

    public LoraConfig {
        rankPattern = patterns("rank_pattern", rankPattern);
        alphaPattern = patterns("alpha_pattern", alphaPattern);
        rankPattern.forEach((k, v) -> {
            if (v == null || v < 1) {
                throw new IllegalArgumentException("rank_pattern: rank for '" + k + "' must be at least 1, got " + v);
            }
        });
        alphaPattern.forEach((k, v) -> {
            if (v == null || !(v > 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("alpha_pattern: alpha for '" + k + "' must be a positive number, "
                        + "got " + v);
            }
        });
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

    private static <V> Map<String, V> patterns(String key, Map<String, V> in) {
        if (in == null) {
            return Map.of();
        }
        Map<String, V> copy = new LinkedHashMap<>(in); // PEFT tries the keys in insertion order
        for (String p : copy.keySet()) {
            try {
                Pattern.compile(p);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(key + ": '" + p + "' is not a valid regular expression: "
                        + e.getDescription());
            }
        }
        return Collections.unmodifiableMap(copy);
    }

    /** The update's scale for modules no pattern names: alpha / r, or alpha / sqrt(r) with rsLoRA. */
    public double scale() {
        return alpha / (useRslora ? Math.sqrt(r) : r);
    }

    /** The rank of the adapter on a module (its Hugging Face name): rank_pattern's, else r. */
    public int rankFor(String hfModule) {
        String p = patternKey(rankPattern, hfModule);
        return p == null ? r : rankPattern.get(p);
    }

    /** The alpha of the adapter on a module (its Hugging Face name): alpha_pattern's, else alpha. */
    public double alphaFor(String hfModule) {
        String p = patternKey(alphaPattern, hfModule);
        return p == null ? alpha : alphaPattern.get(p);
    }

    /** The scale of the adapter on a module (its Hugging Face name): its alpha over its rank (or sqrt of it). */
    public double scaleFor(String hfModule) {
        int rank = rankFor(hfModule);
        return alphaFor(hfModule) / (useRslora ? Math.sqrt(rank) : rank);
    }

    /**
     * PEFT's {@code get_pattern_key}: the first pattern {@code p} (in order) with {@code key} matching
     * {@code (.*\.)?(p)} in full, or null.
     */
    static String patternKey(Map<String, ?> patterns, String key) {
        for (String p : patterns.keySet()) {
            if (Pattern.compile("(.*\\.)?(" + p + ")").matcher(key).matches()) {
                return p;
            }
        }
        return null;
    }

    /** Whether the module (a Hugging Face name without ".weight", e.g. {@code transformer.h.3.attn.c_attn}) is adapted. */
    public boolean targets(String module) {
        return targetModules.stream().anyMatch(t -> matches(module, t));
    }

    private static boolean matches(String module, String target) {
        return module.equals(target) || module.endsWith("." + target);
    }
}
