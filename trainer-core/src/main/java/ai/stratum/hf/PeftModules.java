package ai.stratum.hf;

import ai.stratum.model.lora.LoraConfig;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A family's linear layers as PEFT names and targets them, and where each sits in the decoder's internal weights
 * (derived from the {@link WeightMap}): what an adapter file's tensor names mean. PEFT names a module by its path
 * in the Hugging Face model ({@code model.layers.3.self_attn.k_proj}; GPT-2's {@code transformer.h.3.attn.c_attn})
 * and stores its adapter as {@code base_model.model.<path>.lora_A.weight [r, in]} and {@code ...lora_B.weight
 * [out, r]}. {@code target_modules} selects by name or dotted suffix; the short names are, per family:
 * <pre>
 * gpt2                          c_attn, c_proj (attn.c_proj, mlp.c_proj), c_fc         Conv1D, fan_in_fan_out true
 * llama, mistral, qwen2, qwen3  q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj
 *                                                                                      nn.Linear, fan_in_fan_out false
 * </pre>
 */
public final class PeftModules {

    /** What PEFT prefixes every module path with in an adapter's tensor names. */
    public static final String PREFIX = "base_model.model.";

    /**
     * One adaptable linear layer.
     *
     * @param key            PEFT's module path, e.g. {@code model.layers.0.self_attn.q_proj}
     * @param in             input features (A's columns)
     * @param out            output features (B's rows)
     * @param internalWeight the internal weight it is part of, e.g. {@code layers.0.attn.qkv.weight} [rows, in]
     * @param firstRow       its first output row inside that weight (k_proj's is nHead * headDim)
     */
    public record Module(String key, int in, int out, String internalWeight, int firstRow) {

        /** PEFT's name for A [r, in]. */
        public String loraA() {
            return PREFIX + key + ".lora_A.weight";
        }

        /** PEFT's name for B [out, r]. */
        public String loraB() {
            return PREFIX + key + ".lora_B.weight";
        }
    }

    private final Family family;
    private final List<Module> modules;

    private PeftModules(Family family, List<Module> modules) {
        this.family = family;
        this.modules = Collections.unmodifiableList(modules);
    }

    /** Every linear layer of the blocks of the model {@code map} describes (not the embedding or the head). */
    public static PeftModules of(WeightMap map) {
        List<Module> out = new ArrayList<>();
        for (WeightMap.Part p : map.parts()) {
            long[] s = p.hfShape();
            boolean linear = s.length == 2 && p.hf().endsWith(".weight") && p.internal().startsWith("layers.");
            if (!linear) {
                continue;
            }
            String path = p.hf().substring(0, p.hf().length() - ".weight".length());
            if (map.family() == Family.GPT2) {
                // Conv1D stores [in, out]; PEFT's path runs through GPT2LMHeadModel's transformer
                out.add(new Module("transformer." + path, (int) s[0], (int) s[1], p.internal(), 0));
            } else {
                out.add(new Module(path, (int) s[1], (int) s[0], p.internal(), (int) (p.elementOffset() / s[1])));
            }
        }
        return new PeftModules(map.family(), out);
    }

    public List<Module> modules() {
        return modules;
    }

    /** PEFT's {@code fan_in_fan_out} for this family's layers: true for GPT-2's Conv1D, false for nn.Linear. */
    public boolean fanInFanOut() {
        return family == Family.GPT2;
    }

    /**
     * The modules {@code config} adapts, with PEFT's rule: a module is targeted when its path equals an entry of
     * {@code target_modules} or ends with "." + entry. Naming no module of this family is an
     * {@link IllegalArgumentException} listing the family's names.
     */
    public List<Module> targeted(LoraConfig config) {
        List<Module> out = modules.stream().filter(m -> config.targetModules().stream()
                .anyMatch(t -> m.key().equals(t) || m.key().endsWith("." + t))).toList();
        if (out.isEmpty()) {
            throw new IllegalArgumentException("target_modules: " + config.targetModules() + " matches no linear "
                    + "layer of this " + family.modelType() + " model; its layers are " + shortNames());
        }
        return out;
    }

    /** The distinct last path segments: the names {@code target_modules} usually lists. */
    public List<String> shortNames() {
        return modules.stream().map(m -> m.key().substring(m.key().lastIndexOf('.') + 1)).distinct().toList();
    }

    /** A's and B's shapes for module {@code m} under {@code config} (its own rank when a rank pattern names it). */
    public static long[][] shapes(Module m, LoraConfig config) {
        int r = config.rank(m.key());
        return new long[][] {{r, m.in()}, {m.out(), r}};
    }
}
