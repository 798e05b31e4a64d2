package ai.stratum.model.lora;

import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import ai.stratum.model.TensorSpec;
import ai.stratum.model.Views;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.nn.LinearLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * All the adapters of one model: their own flat parameter and gradient buffers, laid out by a
 * {@link ParameterLayout} whose names are the adapted site's internal name plus {@code .lora_A.weight} [r, in] or
 * {@code .lora_B.weight} [rows, r] (e.g. {@code layers.0.attn.q.lora_A.weight}), and the {@link LoraLinear}
 * wrappers they put around the decoder's linear layers. Only these buffers go to the optimizer, so its memory is
 * proportional to the adapters, not to the model.
 */
public final class LoraAdapters {

    /**
     * A place an adapter can go: output rows [rowStart, rowEnd) of the linear module {@code module}, known to
     * Hugging Face / PEFT as {@code hfModule} (what {@code target_modules} matches).
     *
     * @param name     internal name, e.g. {@code layers.0.attn.q} (a slice) or {@code layers.0.attn.qkv} (whole)
     * @param hfModule e.g. {@code model.layers.0.self_attn.q_proj} or {@code transformer.h.0.attn.c_attn}
     */
    public record Site(String name, String module, int rowStart, int rowEnd, int in, String hfModule) {
    }

    private final LoraConfig config;
    private final ModelConfig model;
    private final ParameterLayout layout;
    private final INDArray params;
    private final INDArray grads;
    private final List<Site> sites;
    private final Map<String, List<LoraLinear.Adapter>> byModule;

    /**
     * @param maxRows the most rows (B * T) a forward will see
     */
    public LoraAdapters(LoraConfig config, ModelConfig model, DataType dtype, int maxRows) {
        this.config = config;
        this.model = model;
        this.sites = sites(model).stream().filter(s -> config.targets(s.hfModule())).toList();
        if (sites.isEmpty()) {
            List<String> names = LinearSite.names(model);
            throw new IllegalArgumentException("target_modules: " + config.targetModules()
                    + " matched no linear layer of this model; its linear layers are " + names);
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Site s : sites) {
            int r = config.rank(s.hfModule());
            shapes.put(s.name() + ".lora_A.weight", new long[] {r, s.in()});
            shapes.put(s.name() + ".lora_B.weight", new long[] {s.rowEnd() - s.rowStart(), r});
        }
        this.layout = ParameterLayout.of(shapes);
        this.params = Nd4j.zeros(dtype, layout.size());
        this.grads = Nd4j.zeros(dtype, layout.size());
        Map<String, List<LoraLinear.Adapter>> map = new LinkedHashMap<>();
        long stream = 1_000_000L;
        for (Site s : sites) {
            TensorSpec a = layout.get(s.name() + ".lora_A.weight");
            TensorSpec b = layout.get(s.name() + ".lora_B.weight");
            map.computeIfAbsent(s.module(), k -> new ArrayList<>()).add(new LoraLinear.Adapter(s.name(), s.rowStart(),
                    s.rowEnd(), view(params, a), view(params, b), view(grads, a), view(grads, b),
                    config.scale(s.hfModule()), config.dropout(), stream++, maxRows));
        }
        this.byModule = Collections.unmodifiableMap(map);
    }

    /**
     * Every adapter site of a model of {@code config}: the {@link LinearSite}s of its block shape in every layer
     * (GPT-2's four Conv1D modules; the Llama family's seven projections, q/k/v as row slices of attn.qkv and
     * gate/up as row slices of mlp.fc).
     */
    public static List<Site> sites(ModelConfig config) {
        List<Site> out = new ArrayList<>();
        for (int l = 0; l < config.nLayer(); l++) {
            String p = "layers." + l + ".";
            for (LinearSite s : LinearSite.of(config)) {
                int[] rows = s.rows(config);
                out.add(new Site(p + s.site(), p + s.module(), rows[0], rows[1], s.in(config), s.hfModule(l)));
            }
        }
        return out;
    }

    private static INDArray view(INDArray flat, TensorSpec t) {
        return Views.of(flat, t.offset(), t.shape());
    }

    /** Wraps the adapted linear layers of {@code decoder} (built from the same config) with these adapters. */
    public void attach(Decoder decoder, Kernels kernels) {
        byModule.forEach((module, adapters) -> {
            LinearLayer current = decoder.linearLayer(module);
            decoder.replaceLinear(module, new LoraLinear(current, adapters, kernels));
        });
    }

    /**
     * Folds every adapter into the base weights of {@code decoder} (W[rows, :] += scale B A), e.g. before writing a
     * merged checkpoint; the decoder must not run with these adapters attached afterwards.
     */
    public void mergeInto(Decoder decoder, Kernels kernels) {
        byModule.forEach((module, adapters) ->
                new LoraLinear(decoder.linearLayer(module).base(), adapters, kernels).mergeInto());
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

    public ModelConfig modelConfig() {
        return model;
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

    /** The adapter at a site (its internal name, e.g. {@code layers.0.attn.q}), or null when it has none. */
    public LoraLinear.Adapter adapter(String site) {
        return byModule.values().stream().flatMap(List::stream).filter(a -> a.name().equals(site)).findFirst()
                .orElse(null);
    }

    /** The adapted sites, in layout order. */
    public List<Site> sites() {
        return sites;
    }

    /**
     * The Hugging Face name of one of this layout's tensors, without PEFT's {@code base_model.model.} prefix:
     * {@code layers.0.attn.q.lora_A.weight} -> {@code model.layers.0.self_attn.q_proj.lora_A.weight}.
     */
    public String hfName(String layoutName) {
        for (Site s : sites) {
            if (layoutName.startsWith(s.name() + ".lora_")) {
                return s.hfModule() + layoutName.substring(s.name().length());
            }
        }
        throw new IllegalArgumentException("name: no adapter tensor '" + layoutName + "'");
    }

    /** Whether the base stores its weights as [in, out] (GPT-2's Conv1D: PEFT's fan_in_fan_out). */
    public boolean fanInFanOut() {
        return model.mlp() == ModelConfig.Mlp.GELU_TANH;
    }
}
