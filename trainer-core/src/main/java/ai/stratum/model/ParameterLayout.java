package ai.stratum.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The one place that knows every parameter's name, shape and offset. Parameters, gradients and AdamW moments
 * are each one flat buffer laid out by this; every named tensor is a view at {@link TensorSpec#offset()}.
 *
 * <p>Names and shapes are the decoder's internal ones ({@link #decoder}, listed on {@link ModelConfig}); Hugging
 * Face names are mapped only at the I/O boundary ({@code ai.stratum.hf.WeightMap}).
 */
public final class ParameterLayout {

    private final List<TensorSpec> tensors;
    private final Map<String, TensorSpec> byName;
    private final long size;

    private ParameterLayout(List<TensorSpec> tensors) {
        this.tensors = Collections.unmodifiableList(new ArrayList<>(tensors));
        Map<String, TensorSpec> map = new LinkedHashMap<>();
        long end = 0;
        for (TensorSpec t : tensors) {
            if (map.put(t.name(), t) != null) {
                throw new IllegalArgumentException("name: duplicate tensor " + t.name());
            }
            if (t.offset() != end) {
                throw new IllegalArgumentException("offset: tensor " + t.name() + " starts at " + t.offset()
                        + " but the previous one ends at " + end);
            }
            end = t.end();
        }
        this.byName = Collections.unmodifiableMap(map);
        this.size = end;
    }

    /**
     * The decoder's layout for any {@code config}: the internal names and {@code [out, in]} linear layouts that
     * {@link ModelConfig}'s documentation lists, in that order. Hugging Face names are mapped to these only at the
     * I/O boundary ({@code ai.stratum.hf}).
     */
    public static ParameterLayout decoder(ModelConfig config) {
        long c = config.dModel();
        long hd = config.headDim();
        long inner = config.mlpDim();
        boolean layerNorm = config.norm() == ModelConfig.Norm.LAYER_NORM;
        long fcRows = config.mlp() == ModelConfig.Mlp.SWIGLU ? 2 * inner : inner;
        Builder b = new Builder();
        b.add("tok_embeddings.weight", config.vocabSize(), c);
        if (config.positions() == ModelConfig.Positions.LEARNED) {
            b.add("pos_embeddings.weight", config.contextLength(), c);
        }
        for (int i = 0; i < config.nLayer(); i++) {
            String p = "layers." + i + ".";
            b.add(p + "attn_norm.weight", c);
            if (layerNorm) {
                b.add(p + "attn_norm.bias", c);
            }
            b.add(p + "attn.qkv.weight", config.qkvDim(), c);
            if (config.qkvBias()) {
                b.add(p + "attn.qkv.bias", config.qkvDim());
            }
            if (config.qkNorm()) {
                b.add(p + "attn.q_norm.weight", hd);
                b.add(p + "attn.k_norm.weight", hd);
            }
            b.add(p + "attn.proj.weight", c, config.nHead() * hd);
            if (config.outBias()) {
                b.add(p + "attn.proj.bias", c);
            }
            b.add(p + "mlp_norm.weight", c);
            if (layerNorm) {
                b.add(p + "mlp_norm.bias", c);
            }
            b.add(p + "mlp.fc.weight", fcRows, c);
            if (config.mlpBias()) {
                b.add(p + "mlp.fc.bias", fcRows);
            }
            b.add(p + "mlp.proj.weight", c, inner);
            if (config.mlpBias()) {
                b.add(p + "mlp.proj.bias", c);
            }
        }
        b.add("norm.weight", c);
        if (layerNorm) {
            b.add("norm.bias", c);
        }
        if (!config.tiedEmbeddings()) {
            b.add("lm_head.weight", config.vocabSize(), c);
        }
        return b.build();
    }

    /** A layout of the given tensors packed in order, e.g. the LoRA adapters' own flat buffer. */
    public static ParameterLayout of(Map<String, long[]> shapesInOrder) {
        Builder b = new Builder();
        shapesInOrder.forEach(b::add);
        return b.build();
    }

    public List<TensorSpec> tensors() {
        return tensors;
    }

    public TensorSpec get(String name) {
        TensorSpec t = byName.get(name);
        if (t == null) {
            throw new IllegalArgumentException("name: no tensor named '" + name + "' in this layout");
        }
        return t;
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** Total elements across all tensors: the length of the flat buffers. */
    public long size() {
        return size;
    }

    /** The tensors whose names match, in layout order (e.g. the trainable set of a fine-tuning method). */
    public List<TensorSpec> select(Predicate<String> names) {
        return tensors.stream().filter(t -> names.test(t.name())).toList();
    }

    private static final class Builder {
        private final List<TensorSpec> tensors = new ArrayList<>();
        private long offset;

        void add(String name, long... shape) {
            TensorSpec t = new TensorSpec(name, shape, offset);
            tensors.add(t);
            offset = t.end();
        }

        ParameterLayout build() {
            return new ParameterLayout(tensors);
        }
    }
}
