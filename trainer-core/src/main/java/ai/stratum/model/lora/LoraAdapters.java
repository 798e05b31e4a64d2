package ai.stratum.model.lora;

import ai.stratum.model.Kernels;
import ai.stratum.model.ParameterLayout;
import ai.stratum.model.TensorSpec;
import ai.stratum.model.Views;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * All the adapters of one model: their own flat parameter and gradient buffers (laid out by a
 * {@link ParameterLayout} whose names are {@code h.{i}.attn.c_attn.lora_A.weight} [r, in] and
 * {@code ...lora_B.weight} [out, r]) and one {@link LoraLinear} per adapted base weight. Only these buffers go to
 * the optimizer, so its memory is proportional to the adapters, not to the model.
 */
public final class LoraAdapters {

    private final LoraConfig config;
    private final ParameterLayout layout;
    private final INDArray params;
    private final INDArray grads;
    private final Map<String, LoraLinear> byBaseWeight;

    public LoraAdapters(LoraConfig config, ParameterLayout base, DataType dtype, Kernels kernels, int maxRows) {
        this.config = config;
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (TensorSpec t : base.tensors()) {
            if (isLinearWeight(t) && config.targets(module(t.name()))) {
                long[] s = t.shape(); // [in, out]
                int r = config.rank(peftKey(module(t.name())));
                shapes.put(module(t.name()) + ".lora_A.weight", new long[] {r, s[0]});
                shapes.put(module(t.name()) + ".lora_B.weight", new long[] {s[1], r});
            }
        }
        if (shapes.isEmpty()) {
            throw new IllegalArgumentException("target_modules: " + config.targetModules()
                    + " matched no linear layer of this model");
        }
        this.layout = ParameterLayout.of(shapes);
        this.params = Nd4j.zeros(dtype, layout.size());
        this.grads = Nd4j.zeros(dtype, layout.size());
        Map<String, LoraLinear> map = new LinkedHashMap<>();
        for (TensorSpec t : base.tensors()) {
            if (isLinearWeight(t) && config.targets(module(t.name()))) {
                String m = module(t.name());
                TensorSpec a = layout.get(m + ".lora_A.weight");
                TensorSpec b = layout.get(m + ".lora_B.weight");
                map.put(t.name(), new LoraLinear(view(params, a), view(params, b), view(grads, a), view(grads, b),
                        config.scale(peftKey(m)), config.dropout(), kernels, maxRows));
            }
        }
        this.byBaseWeight = Collections.unmodifiableMap(map);
    }

    private static boolean isLinearWeight(TensorSpec t) {
        return t.shape().length == 2 && t.name().startsWith("h.") && t.name().endsWith(".weight");
    }

    /**
     * The module's name as PEFT sees it in the Hugging Face model ({@code GPT2LMHeadModel} keeps its blocks under
     * {@code transformer.}), which {@code rank_pattern} and {@code alpha_pattern} are matched against.
     */
    static String peftKey(String module) {
        return "transformer." + module;
    }

    private static String module(String weightName) {
        return weightName.substring(0, weightName.length() - ".weight".length());
    }

    private static INDArray view(INDArray flat, TensorSpec t) {
        return Views.of(flat, t.offset(), t.shape());
    }

    /**
     * PEFT's initialization: A uniform in +-1/sqrt(in) (Kaiming-uniform with a = sqrt(5)), B zero, so the
     * adapted model starts equal to the base.
     */
    public void init(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        params.assign(0.0);
        for (TensorSpec t : layout.tensors()) {
            if (t.name().endsWith(".lora_A.weight")) {
                long in = t.shape()[1];
                double bound = 1.0 / Math.sqrt(in);
                double[] values = new double[(int) t.length()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = rng.nextDouble(-bound, bound);
                }
                view(params, t).assign(Nd4j.createFromArray(values).reshape(t.shape()).castTo(params.dataType()));
            }
        }
    }

    public LoraConfig config() {
        return config;
    }

    public ParameterLayout layout() {
        return layout;
    }

    public INDArray params() {
        return params;
    }

    public INDArray grads() {
        return grads;
    }

    /** The adapter on a base weight ({@code h.0.attn.c_attn.weight}), or null when that weight has none. */
    public LoraLinear forWeight(String baseWeightName) {
        return byBaseWeight.get(baseWeightName);
    }

    /** Base weight names that carry an adapter, in layout order. */
    public java.util.Set<String> adaptedWeights() {
        return byBaseWeight.keySet();
    }

    /** Folds every adapter into its base weight; {@code baseWeight} gives the base model's view by name. */
    public void mergeInto(java.util.function.Function<String, INDArray> baseWeight) {
        byBaseWeight.forEach((name, lora) -> lora.mergeInto(baseWeight.apply(name)));
    }
}
