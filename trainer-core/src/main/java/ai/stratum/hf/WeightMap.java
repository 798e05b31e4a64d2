package ai.stratum.hf;

import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import ai.stratum.model.TensorSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One family's Hugging Face tensor names and layouts against the decoder's internal ones
 * ({@link ParameterLayout#decoder}, documented on {@link ModelConfig}), as litgpt's {@code copy_weights_hf_llama}:
 * the table is data, a list of {@link Part}s, each one Hugging Face tensor and where its elements live in one
 * internal tensor. Three kinds of part cover every family:
 * <ul>
 * <li>a copy: the same elements, e.g. {@code model.norm.weight [C]} is {@code norm.weight [C]};</li>
 * <li>a block of rows: q/k/v projections (and biases) concatenate into {@code attn.qkv} in q, k, v order and
 *     {@code gate_proj}/{@code up_proj} into {@code mlp.fc}, gate rows first; the part starts
 *     {@link Part#elementOffset()} elements into the internal tensor;</li>
 * <li>a transpose: GPT-2's Conv1D weights are stored {@code [in, out]}, internal linears are {@code [out, in]}.</li>
 * </ul>
 * GPT-2 (names as OpenAI's checkpoint, {@code transformer.}-prefixed ones read too):
 * <pre>
 * wte.weight [V, C]                   tok_embeddings.weight
 * wpe.weight [T, C]                   pos_embeddings.weight
 * h.{i}.ln_1.weight/bias              layers.{i}.attn_norm.weight/bias
 * h.{i}.attn.c_attn.weight [C, 3C]    layers.{i}.attn.qkv.weight [3C, C]   transposed
 * h.{i}.attn.c_attn.bias [3C]         layers.{i}.attn.qkv.bias
 * h.{i}.attn.c_proj.weight [C, C]     layers.{i}.attn.proj.weight          transposed (.bias copied)
 * h.{i}.ln_2.weight/bias              layers.{i}.mlp_norm.weight/bias
 * h.{i}.mlp.c_fc.weight [C, I]        layers.{i}.mlp.fc.weight [I, C]      transposed (.bias copied)
 * h.{i}.mlp.c_proj.weight [I, C]      layers.{i}.mlp.proj.weight [C, I]    transposed (.bias copied)
 * ln_f.weight/bias                    norm.weight/bias
 * </pre>
 * Llama, Mistral, Qwen2, Qwen3 (Qwen2 adds q/k/v biases, Qwen3 the per-head norms):
 * <pre>
 * model.embed_tokens.weight                      tok_embeddings.weight
 * model.layers.{i}.input_layernorm.weight        layers.{i}.attn_norm.weight
 * model.layers.{i}.self_attn.q_proj.weight       layers.{i}.attn.qkv.weight rows [0, nH hd)
 * model.layers.{i}.self_attn.k_proj.weight       layers.{i}.attn.qkv.weight rows [nH hd, (nH + nKv) hd)
 * model.layers.{i}.self_attn.v_proj.weight       layers.{i}.attn.qkv.weight rows [(nH + nKv) hd, (nH + 2 nKv) hd)
 * model.layers.{i}.self_attn.{q,k,v}_proj.bias   layers.{i}.attn.qkv.bias, the same blocks      (qkvBias)
 * model.layers.{i}.self_attn.{q,k}_norm.weight   layers.{i}.attn.{q,k}_norm.weight            (qkNorm)
 * model.layers.{i}.self_attn.o_proj.weight/bias  layers.{i}.attn.proj.weight/bias             (bias: outBias)
 * model.layers.{i}.post_attention_layernorm.weight  layers.{i}.mlp_norm.weight
 * model.layers.{i}.mlp.gate_proj.weight/bias     layers.{i}.mlp.fc.weight/bias rows [0, I)     (bias: mlpBias)
 * model.layers.{i}.mlp.up_proj.weight/bias       layers.{i}.mlp.fc.weight/bias rows [I, 2 I)
 * model.layers.{i}.mlp.down_proj.weight/bias     layers.{i}.mlp.proj.weight/bias
 * model.norm.weight                              norm.weight
 * lm_head.weight                                 lm_head.weight                               (untied only)
 * </pre>
 * A tied model's checkpoint may still carry {@code lm_head.weight} (GPT-2's do): it must equal the embedding.
 * Non-parameter buffers some checkpoints carry ({@code h.{i}.attn.bias}/{@code masked_bias}, the causal mask;
 * {@code rotary_emb.inv_freq}) are recomputed, so they are skipped. Any other tensor is refused by name.
 */
public final class WeightMap {

    /**
     * One Hugging Face tensor inside one internal tensor.
     *
     * @param hf            the Hugging Face name (as written; reading also accepts GPT-2's {@code transformer.})
     * @param hfShape       its shape
     * @param internal      the internal name ({@link ParameterLayout#decoder})
     * @param elementOffset where its elements start inside the internal tensor (0 unless a block of rows)
     * @param transposed    the part is the internal 2-D tensor transposed (GPT-2's Conv1D), offset 0
     */
    public record Part(String hf, long[] hfShape, String internal, long elementOffset, boolean transposed) {
        public Part {
            if (transposed && (hfShape.length != 2 || elementOffset != 0)) {
                throw new IllegalArgumentException("part " + hf + ": a transposed part is a whole 2-D tensor");
            }
            hfShape = hfShape.clone();
        }

        @Override
        public long[] hfShape() {
            return hfShape.clone();
        }

        public long length() {
            return Arrays.stream(hfShape).reduce(1, (a, b) -> a * b);
        }
    }

    /** A named tensor's shape and values, for the pure whole-model conversions. */
    public record Tensor(long[] shape, float[] data) {
        public Tensor {
            if (Arrays.stream(shape).reduce(1, (a, b) -> a * b) != data.length) {
                throw new IllegalArgumentException("tensor: shape " + Arrays.toString(shape) + " does not hold "
                        + data.length + " values");
            }
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    private static final Pattern GPT2_BUFFER = Pattern.compile("(transformer\\.)?h\\.\\d+\\.attn\\.(bias|masked_bias)");
    private static final Pattern ROPE_BUFFER = Pattern.compile("model\\.layers\\.\\d+\\.self_attn\\.rotary_emb\\.inv_freq");
    /** GPT-2's tied head as {@code GPT2LMHeadModel} saves it. */
    public static final String LM_HEAD = "lm_head.weight";

    private final Family family;
    private final ModelConfig config;
    private final ParameterLayout layout;
    private final List<Part> parts;
    private final Map<String, Part> byHf;

    private WeightMap(Family family, ModelConfig config, List<Part> parts) {
        this.family = family;
        this.config = config;
        this.layout = ParameterLayout.decoder(config);
        this.parts = Collections.unmodifiableList(parts);
        Map<String, Part> map = new LinkedHashMap<>();
        for (Part p : parts) {
            map.put(p.hf(), p);
        }
        this.byHf = Collections.unmodifiableMap(map);
    }

    /** The table of {@code family} for a model of {@code config}; a config the family cannot hold is refused. */
    public static WeightMap of(Family family, ModelConfig config) {
        return new WeightMap(family, config, family == Family.GPT2 ? gpt2(config) : llama(family, config));
    }

    private static List<Part> gpt2(ModelConfig c) {
        if (c.norm() != ModelConfig.Norm.LAYER_NORM || c.positions() != ModelConfig.Positions.LEARNED
                || c.mlp() != ModelConfig.Mlp.GELU_TANH || !c.qkvBias() || !c.outBias() || !c.mlpBias()
                || !c.tiedEmbeddings() || c.qkNorm() || c.nKvHead() != c.nHead()) {
            throw new IllegalArgumentException("model_type: gpt2 holds LayerNorm, learned positions, a GELU MLP, "
                    + "biases, multi-head attention and a tied head only; this config is not one");
        }
        long cc = c.dModel();
        long inner = c.mlpDim();
        long qkv = c.qkvDim();
        long attnOut = (long) c.nHead() * c.headDim();
        List<Part> p = new ArrayList<>();
        p.add(copy("wte.weight", "tok_embeddings.weight", c.vocabSize(), cc));
        p.add(copy("wpe.weight", "pos_embeddings.weight", c.contextLength(), cc));
        for (int i = 0; i < c.nLayer(); i++) {
            String h = "h." + i + ".";
            String l = "layers." + i + ".";
            p.add(copy(h + "ln_1.weight", l + "attn_norm.weight", cc));
            p.add(copy(h + "ln_1.bias", l + "attn_norm.bias", cc));
            p.add(transposed(h + "attn.c_attn.weight", l + "attn.qkv.weight", cc, qkv));
            p.add(copy(h + "attn.c_attn.bias", l + "attn.qkv.bias", qkv));
            p.add(transposed(h + "attn.c_proj.weight", l + "attn.proj.weight", attnOut, cc));
            p.add(copy(h + "attn.c_proj.bias", l + "attn.proj.bias", cc));
            p.add(copy(h + "ln_2.weight", l + "mlp_norm.weight", cc));
            p.add(copy(h + "ln_2.bias", l + "mlp_norm.bias", cc));
            p.add(transposed(h + "mlp.c_fc.weight", l + "mlp.fc.weight", cc, inner));
            p.add(copy(h + "mlp.c_fc.bias", l + "mlp.fc.bias", inner));
            p.add(transposed(h + "mlp.c_proj.weight", l + "mlp.proj.weight", inner, cc));
            p.add(copy(h + "mlp.c_proj.bias", l + "mlp.proj.bias", cc));
        }
        p.add(copy("ln_f.weight", "norm.weight", cc));
        p.add(copy("ln_f.bias", "norm.bias", cc));
        return p;
    }

    private static List<Part> llama(Family family, ModelConfig c) {
        if (c.norm() != ModelConfig.Norm.RMS_NORM || c.positions() != ModelConfig.Positions.ROPE
                || c.mlp() != ModelConfig.Mlp.SWIGLU) {
            throw new IllegalArgumentException("model_type: " + family.modelType() + " holds RMSNorm, RoPE and a "
                    + "SwiGLU MLP only; this config has " + c.norm() + ", " + c.positions() + ", " + c.mlp());
        }
        if (family == Family.QWEN2 ? !c.qkvBias() || c.outBias() : c.qkvBias() != c.outBias()) {
            throw new IllegalArgumentException("attention_bias: " + (family == Family.QWEN2
                    ? "qwen2 has biases on q, k, v and none on o" : family.modelType() + " has biases on q, k, v and o "
                    + "together or on none") + "; this config has qkv bias " + c.qkvBias() + ", output bias "
                    + c.outBias());
        }
        if (c.qkNorm() != (family == Family.QWEN3)) {
            throw new IllegalArgumentException("q_norm: per-head q/k norms are " + (c.qkNorm() ? "qwen3's only"
                    : "part of every qwen3 model") + "; this config is " + family.modelType());
        }
        long cc = c.dModel();
        long hd = c.headDim();
        long q = (long) c.nHead() * hd;
        long kv = (long) c.nKvHead() * hd;
        long inner = c.mlpDim();
        List<Part> p = new ArrayList<>();
        p.add(copy("model.embed_tokens.weight", "tok_embeddings.weight", c.vocabSize(), cc));
        for (int i = 0; i < c.nLayer(); i++) {
            String h = "model.layers." + i + ".";
            String l = "layers." + i + ".";
            p.add(copy(h + "input_layernorm.weight", l + "attn_norm.weight", cc));
            p.add(rows(h + "self_attn.q_proj.weight", l + "attn.qkv.weight", 0, q, cc));
            p.add(rows(h + "self_attn.k_proj.weight", l + "attn.qkv.weight", q * cc, kv, cc));
            p.add(rows(h + "self_attn.v_proj.weight", l + "attn.qkv.weight", (q + kv) * cc, kv, cc));
            if (c.qkvBias()) {
                p.add(rows(h + "self_attn.q_proj.bias", l + "attn.qkv.bias", 0, q));
                p.add(rows(h + "self_attn.k_proj.bias", l + "attn.qkv.bias", q, kv));
                p.add(rows(h + "self_attn.v_proj.bias", l + "attn.qkv.bias", q + kv, kv));
            }
            if (c.qkNorm()) {
                p.add(copy(h + "self_attn.q_norm.weight", l + "attn.q_norm.weight", hd));
                p.add(copy(h + "self_attn.k_norm.weight", l + "attn.k_norm.weight", hd));
            }
            p.add(copy(h + "self_attn.o_proj.weight", l + "attn.proj.weight", cc, q));
            if (c.outBias()) {
                p.add(copy(h + "self_attn.o_proj.bias", l + "attn.proj.bias", cc));
            }
            p.add(copy(h + "post_attention_layernorm.weight", l + "mlp_norm.weight", cc));
            p.add(rows(h + "mlp.gate_proj.weight", l + "mlp.fc.weight", 0, inner, cc));
            p.add(rows(h + "mlp.up_proj.weight", l + "mlp.fc.weight", inner * cc, inner, cc));
            if (c.mlpBias()) {
                p.add(rows(h + "mlp.gate_proj.bias", l + "mlp.fc.bias", 0, inner));
                p.add(rows(h + "mlp.up_proj.bias", l + "mlp.fc.bias", inner, inner));
            }
            p.add(copy(h + "mlp.down_proj.weight", l + "mlp.proj.weight", cc, inner));
            if (c.mlpBias()) {
                p.add(copy(h + "mlp.down_proj.bias", l + "mlp.proj.bias", cc));
            }
        }
        p.add(copy("model.norm.weight", "norm.weight", cc));
        if (!c.tiedEmbeddings()) {
            p.add(copy(LM_HEAD, "lm_head.weight", c.vocabSize(), cc));
        }
        return p;
    }

    private static Part copy(String hf, String internal, long... shape) {
        return new Part(hf, shape, internal, 0, false);
    }

    private static Part rows(String hf, String internal, long elementOffset, long... shape) {
        return new Part(hf, shape, internal, elementOffset, false);
    }

    /** {@code hfShape} is the stored [in, out]; the internal tensor is [out, in]. */
    private static Part transposed(String hf, String internal, long in, long out) {
        return new Part(hf, new long[] {in, out}, internal, 0, true);
    }

    public Family family() {
        return family;
    }

    public ModelConfig config() {
        return config;
    }

    /** The internal layout the parts land in ({@link ParameterLayout#decoder} of {@link #config()}). */
    public ParameterLayout layout() {
        return layout;
    }

    /** Every part, in the order Hugging Face checkpoints list them (the order export writes). */
    public List<Part> parts() {
        return parts;
    }

    /**
     * The part a stored tensor name is, or null: names are taken as written, and a GPT-2 name may carry
     * {@code transformer.} ({@code GPT2LMHeadModel.save_pretrained}'s prefix).
     */
    public Part part(String storedName) {
        Part p = byHf.get(storedName);
        if (p == null && family == Family.GPT2 && storedName.startsWith("transformer.")) {
            p = byHf.get(storedName.substring("transformer.".length()));
        }
        return p;
    }

    /** Whether a stored tensor is a buffer (causal mask, RoPE frequencies) that the model recomputes. */
    public boolean isBuffer(String storedName) {
        return family == Family.GPT2 ? GPT2_BUFFER.matcher(storedName).matches()
                : ROPE_BUFFER.matcher(storedName).matches();
    }

    /** Whether a stored tensor is the tied head's copy of the embedding (allowed, must equal it). */
    public boolean isTiedHeadCopy(String storedName) {
        return config.tiedEmbeddings() && LM_HEAD.equals(storedName);
    }

    /** The Hugging Face name of the embedding, which a tied head's copy must equal. */
    public String embeddingName() {
        return parts.get(0).hf();
    }

    // ---- the pure conversions: one part at a time, and whole models of name -> values ----

    /** Writes part {@code p}'s values ({@code hfShape} row-major) into its internal tensor's values. */
    public void toInternal(Part p, float[] hf, float[] internal) {
        if (hf.length != p.length()) {
            throw new IllegalArgumentException("tensor " + p.hf() + ": " + hf.length + " values, its shape "
                    + Arrays.toString(p.hfShape) + " needs " + p.length());
        }
        if (p.transposed()) {
            int in = (int) p.hfShape[0];
            int out = (int) p.hfShape[1];
            for (int r = 0; r < in; r++) { // hf [in, out] -> internal [out, in]
                for (int k = 0; k < out; k++) {
                    internal[k * in + r] = hf[r * out + k];
                }
            }
        } else {
            System.arraycopy(hf, 0, internal, (int) p.elementOffset(), hf.length);
        }
    }

    /** Part {@code p}'s values ({@code hfShape} row-major) read out of its internal tensor's values. */
    public float[] toHf(Part p, float[] internal) {
        float[] hf = new float[(int) p.length()];
        if (p.transposed()) {
            int in = (int) p.hfShape[0];
            int out = (int) p.hfShape[1];
            for (int r = 0; r < in; r++) {
                for (int k = 0; k < out; k++) {
                    hf[r * out + k] = internal[k * in + r];
                }
            }
        } else {
            System.arraycopy(internal, (int) p.elementOffset(), hf, 0, hf.length);
        }
        return hf;
    }

    /**
     * A Hugging Face state dict as internal tensors ({@link #layout()}'s names and shapes). Every part must be
     * present with its shape; buffers are skipped; a tied head's copy must equal the embedding; any other tensor
     * is an {@link IllegalArgumentException} naming it.
     */
    public Map<String, Tensor> toInternal(Map<String, Tensor> hf) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (TensorSpec t : layout.tensors()) {
            values.put(t.name(), new float[(int) t.length()]);
        }
        Map<String, Tensor> found = new LinkedHashMap<>();
        Tensor head = null;
        for (Map.Entry<String, Tensor> e : hf.entrySet()) {
            Part p = part(e.getKey());
            if (p != null) {
                checkShape(p, e.getKey(), e.getValue().shape());
                if (found.put(p.hf(), e.getValue()) != null) {
                    throw new IllegalArgumentException("tensor " + e.getKey() + ": stored twice (with and without "
                            + "the transformer. prefix)");
                }
            } else if (isTiedHeadCopy(e.getKey())) {
                head = e.getValue();
            } else if (!isBuffer(e.getKey())) {
                throw new IllegalArgumentException(unexpected(e.getKey()));
            }
        }
        for (Part p : parts) {
            Tensor t = found.get(p.hf());
            if (t == null) {
                throw new IllegalArgumentException(missing(p));
            }
            toInternal(p, t.data(), values.get(p.internal()));
        }
        if (head != null) {
            checkTiedHead(head.shape(), head.data(), found.get(embeddingName()).data());
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (TensorSpec t : layout.tensors()) {
            out.put(t.name(), new Tensor(t.shape(), values.get(t.name())));
        }
        return out;
    }

    /** Internal tensors as the family's Hugging Face state dict, in {@link #parts()} order. */
    public Map<String, Tensor> toHf(Map<String, Tensor> internal) {
        for (TensorSpec t : layout.tensors()) {
            Tensor v = internal.get(t.name());
            if (v == null || !Arrays.equals(v.shape(), t.shape())) {
                throw new IllegalArgumentException("tensor " + t.name() + ": " + (v == null ? "missing"
                        : "has shape " + Arrays.toString(v.shape())) + ", the model needs "
                        + Arrays.toString(t.shape()));
            }
        }
        if (internal.size() != layout.tensors().size()) {
            throw new IllegalArgumentException("tensors: " + internal.size() + " given, the model has "
                    + layout.tensors().size());
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Part p : parts) {
            out.put(p.hf(), new Tensor(p.hfShape, toHf(p, internal.get(p.internal()).data())));
        }
        return out;
    }

    // ---- the messages every reader shares ----

    void checkShape(Part p, String storedName, long[] storedShape) {
        if (!Arrays.equals(storedShape, p.hfShape)) {
            throw new IllegalArgumentException("tensor " + storedName + ": has shape " + Arrays.toString(storedShape)
                    + ", a " + family.modelType() + " model of this config needs " + Arrays.toString(p.hfShape));
        }
    }

    String missing(Part p) {
        return "tensor " + p.hf() + ": missing; a " + family.modelType() + " model of this config needs it "
                + "(shape " + Arrays.toString(p.hfShape) + ")";
    }

    String unexpected(String storedName) {
        return "tensor " + storedName + ": not part of a " + family.modelType() + " model of this config ("
                + (config.tiedEmbeddings() ? "tied" : "untied") + " head, qkv bias " + config.qkvBias()
                + ", output bias " + config.outBias() + ", q/k norm " + config.qkNorm() + ", mlp bias "
                + config.mlpBias() + "); refusing to ignore it";
    }

    /** A tied head's stored copy must be the embedding (up to 1e-6: a copy, not a trained head). */
    void checkTiedHead(long[] shape, float[] head, float[] embedding) {
        if (head.length != embedding.length) {
            throw new IllegalArgumentException("tensor " + LM_HEAD + ": has shape " + Arrays.toString(shape)
                    + " but the head is tied to " + embeddingName() + " (tie_word_embeddings)");
        }
        double diff = 0;
        for (int i = 0; i < head.length; i++) {
            diff = Math.max(diff, Math.abs(head[i] - embedding[i]));
        }
        if (!(diff <= 1e-6)) {
            throw new IllegalArgumentException("tensor " + LM_HEAD + ": differs from " + embeddingName()
                    + " by up to " + diff + " but the config ties the head to the embedding (tie_word_embeddings "
                    + "true); set tie_word_embeddings false to load an untied head");
        }
    }
}
