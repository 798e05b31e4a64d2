package ai.stratum.model.lora;

import ai.stratum.model.ModelConfig;

import java.util.Arrays;
import java.util.List;

/**
 * The one table of the places in a block where an adapter can go, for both block shapes: each a linear layer as
 * PEFT names it (what {@code target_modules} matches), the internal site name, the decoder module it lives in and
 * which output rows of that module it is. {@link LoraAdapters#sites}, {@link LoraConfig}'s name check and
 * {@code all-linear}, and the benchmarks' target lists are all read from it. The Hugging Face weight of a site is
 * {@code prefix + peftName + ".weight"} ({@code ai.stratum.hf.WeightMap} has the same names and row blocks; a test
 * checks the two agree).
 */
public enum LinearSite {
    // GPT-2 (GELU MLP): the four Conv1D modules, each a whole internal linear layer
    GPT2_C_ATTN(true, "attn.c_attn", "attn.qkv", "attn.qkv"),
    GPT2_ATTN_C_PROJ(true, "attn.c_proj", "attn.proj", "attn.proj"),
    GPT2_C_FC(true, "mlp.c_fc", "mlp.fc", "mlp.fc"),
    GPT2_MLP_C_PROJ(true, "mlp.c_proj", "mlp.proj", "mlp.proj"),
    // the Llama family (SwiGLU MLP): q/k/v are row blocks of attn.qkv, gate/up of mlp.fc
    Q_PROJ(false, "self_attn.q_proj", "attn.q", "attn.qkv"),
    K_PROJ(false, "self_attn.k_proj", "attn.k", "attn.qkv"),
    V_PROJ(false, "self_attn.v_proj", "attn.v", "attn.qkv"),
    O_PROJ(false, "self_attn.o_proj", "attn.proj", "attn.proj"),
    GATE_PROJ(false, "mlp.gate_proj", "mlp.gate", "mlp.fc"),
    UP_PROJ(false, "mlp.up_proj", "mlp.up", "mlp.fc"),
    DOWN_PROJ(false, "mlp.down_proj", "mlp.proj", "mlp.proj");

    private final boolean gpt2;
    private final String peftName;
    private final String site;
    private final String module;

    LinearSite(boolean gpt2, String peftName, String site, String module) {
        this.gpt2 = gpt2;
        this.peftName = peftName;
        this.site = site;
        this.module = module;
    }

    /** The sites of a block of {@code config}'s shape, in the order Hugging Face lists the weights. */
    public static List<LinearSite> of(ModelConfig config) {
        return ofGpt2Shape(config.mlp() == ModelConfig.Mlp.GELU_TANH);
    }

    private static List<LinearSite> ofGpt2Shape(boolean gpt2) {
        return Arrays.stream(values()).filter(s -> s.gpt2 == gpt2).toList();
    }

    /** PEFT's names of the GPT-2 block's linear layers: {@code attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj}. */
    public static List<String> gpt2Names() {
        return ofGpt2Shape(true).stream().map(LinearSite::peftName).toList();
    }

    /** PEFT's names of a Llama-family block's linear layers: {@code self_attn.q_proj ... mlp.down_proj}. */
    public static List<String> llamaNames() {
        return ofGpt2Shape(false).stream().map(LinearSite::peftName).toList();
    }

    /** PEFT's names of every linear layer of {@code config}'s block (what {@code all-linear} adapts). */
    public static List<String> names(ModelConfig config) {
        return of(config).stream().map(LinearSite::peftName).toList();
    }

    /** The module path PEFT sees for layer {@code layer}: {@code transformer.h.L.} or {@code model.layers.L.}. */
    public String hfModule(int layer) {
        return (gpt2 ? "transformer.h." : "model.layers.") + layer + "." + peftName;
    }

    /** e.g. {@code self_attn.q_proj}. */
    public String peftName() {
        return peftName;
    }

    /** The internal site under {@code layers.L.}, e.g. {@code attn.q}. */
    public String site() {
        return site;
    }

    /** The decoder module under {@code layers.L.} holding its rows, e.g. {@code attn.qkv}. */
    public String module() {
        return module;
    }

    /** Output rows [start, end) of {@link #module()} that this site is. */
    public int[] rows(ModelConfig c) {
        int q = c.nHead() * c.headDim();
        int kv = c.nKvHead() * c.headDim();
        int inner = c.mlpDim();
        return switch (this) {
            case GPT2_C_ATTN -> new int[] {0, c.qkvDim()};
            case GPT2_ATTN_C_PROJ, O_PROJ, GPT2_MLP_C_PROJ, DOWN_PROJ -> new int[] {0, c.dModel()};
            case GPT2_C_FC, GATE_PROJ -> new int[] {0, inner};
            case Q_PROJ -> new int[] {0, q};
            case K_PROJ -> new int[] {q, q + kv};
            case V_PROJ -> new int[] {q + kv, q + 2 * kv};
            case UP_PROJ -> new int[] {inner, 2 * inner};
        };
    }

    /** The input width of the layer. */
    public int in(ModelConfig c) {
        return switch (this) {
            case GPT2_ATTN_C_PROJ, O_PROJ -> c.nHead() * c.headDim();
            case GPT2_MLP_C_PROJ, DOWN_PROJ -> c.mlpDim();
            default -> c.dModel();
        };
    }
}
