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
 * @param targetModules  module names as PEFT matches them: a module is adapted when its name equals an entry or
 *                       ends with "." + entry; GPT-2's are {@code c_attn}, {@code attn.c_proj}, {@code c_fc},
 *                       {@code mlp.c_proj} ({@code c_proj} alone means both projections)
 * @param useRslora      PEFT's {@code use_rslora}: the update is scaled by alpha / sqrt(r) instead of alpha / r
 * @param rankPattern    PEFT's {@code rank_pattern}: per-module ranks, tried in order; key {@code p} applies to a
 *                       module whose full name matches the regular expression {@code (.*\.)?(p)} (PEFT's
 *                       {@code get_pattern_key}); unmatched modules use {@code r}
 * @param alphaPattern   PEFT's {@code alpha_pattern}: per-module alphas, matched the same way
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targetModules, boolean useRslora,
                         Map<String, Integer> rankPattern, Map<String, Double> alphaPattern) {

    /** The four kinds of linear layer in a GPT-2 block ({@link LinearSite}). */
    public static final List<String> GPT2_LINEARS = LinearSite.gpt2Names();

    /** The linear layers of a Llama-family block (Llama, Mistral, Qwen2, Qwen3) as PEFT names them ({@link LinearSite}). */
    public static final List<String> LLAMA_LINEARS = LinearSite.llamaNames();

    /** Attention only, as the default. */
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
            throw new IllegalArgumentException("target_modules: name at least one of c_attn, attn.c_proj, c_fc, mlp.c_proj");
        }
        targetModules = List.copyOf(targetModules);
        for (String t : targetModules) {
            if (GPT2_LINEARS.stream().noneMatch(m -> matches(m, t)) && LLAMA_LINEARS.stream()
                    .noneMatch(m -> matches(m, t)) && !t.matches("(transformer\\.h|model\\.layers)\\.\\d+\\..+")) {
                throw new IllegalArgumentException("target_modules: '" + t + "' matches no linear layer; use "
                        + "c_attn, attn.c_proj, c_fc, mlp.c_proj (or c_proj for both projections) for GPT-2, "
                        + "q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj for Llama, Mistral, Qwen");
            }
        }
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

    /** The rank of the module whose full PEFT name is {@code key} (e.g. {@code model.layers.0.self_attn.q_proj}). */
    public int rank(String key) {
        String p = patternKey(rankPattern, key);
        return p == null ? r : rankPattern.get(p);
    }

    /** The alpha of the module whose full PEFT name is {@code key}. */
    public double alpha(String key) {
        String p = patternKey(alphaPattern, key);
        return p == null ? alpha : alphaPattern.get(p);
    }

    /** The scale of the module whose full PEFT name is {@code key}: its alpha over its rank (or sqrt of it). */
    public double scale(String key) {
        int rank = rank(key);
        return alpha(key) / (useRslora ? Math.sqrt(rank) : rank);
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

    /** Whether the module (a weight name without ".weight", e.g. {@code h.3.attn.c_attn}) gets an adapter. */
    public boolean targets(String module) {
        return targetModules.stream().anyMatch(t -> matches(module, t));
    }

    private static boolean matches(String module, String target) {
        return module.equals(target) || module.endsWith("." + target);
    }
}
