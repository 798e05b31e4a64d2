package ai.stratum.model;

import ai.stratum.model.kernels.CpuKernels;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.kernels.NaiveKernels;
import ai.stratum.model.kernels.Nd4jKernels;
import ai.stratum.model.lora.LoraAdapters;
import ai.stratum.model.lora.LoraConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decoder of every family against {@code scripts/golden/families_reference.py} (PyTorch, written from the
 * Hugging Face modeling code): logits, loss and every gradient, with and without LoRA, float32 and bf16-rounded
 * weights, for GPT-2 (layer_norm_epsilon 1e-3, scale_attn_by_inverse_layer_idx), Llama (GQA, llama3 RoPE scaling,
 * untied), Mistral (sliding window, linear RoPE scaling), Qwen2 (qkv bias, MQA, tied), Qwen3 (q/k norm, head_dim
 * != d_model / n_head).
 */
class DecoderGoldenTest {

    static final List<String> FAMILIES = List.of("gpt2", "llama", "mistral", "qwen2", "qwen3");

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String family : FAMILIES) {
            for (int c = 0; c < 4; c++) {
                // tolerance: max relative error, values below the floor compared absolutely
                out.add(Arguments.of(family, c, DataType.DOUBLE, new NaiveKernels(), 1e-9, 1e-6));
                out.add(Arguments.of(family, c, DataType.FLOAT, new CpuKernels(), 1e-3, 1e-2));
            }
            out.add(Arguments.of(family, 1, DataType.FLOAT, new Nd4jKernels(), 1e-3, 1e-2));
        }
        return out.stream();
    }

    static JsonNode golden(String family) throws IOException {
        try (InputStream in = DecoderGoldenTest.class.getResourceAsStream("/golden/" + family + ".json")) {
            assertNotNull(in, "golden/" + family + ".json is missing: run scripts/golden/families_reference.py");
            return new ObjectMapper().readTree(in);
        }
    }

    /** The golden file's config (ModelConfig's keys, as the YAML presets spell them). */
    static ModelConfig config(JsonNode c) {
        JsonNode s = c.get("rope_scaling");
        ModelConfig.RopeScaling scaling = s == null || s.isNull() ? null : new ModelConfig.RopeScaling(
                s.get("type").asText(), s.get("factor").asDouble(), s.get("low_freq_factor").asDouble(),
                s.get("high_freq_factor").asDouble(), s.get("original_max_position_embeddings").asInt());
        return new ModelConfig(c.get("vocab_size").asInt(), c.get("context_length").asInt(), c.get("n_layer").asInt(),
                c.get("n_head").asInt(), c.get("n_kv_head").asInt(), c.get("head_dim").asInt(),
                c.get("d_model").asInt(), c.get("intermediate_size").asInt(),
                ModelConfig.Norm.valueOf(c.get("norm").asText().toUpperCase(Locale.ROOT)), c.get("norm_eps").asDouble(),
                ModelConfig.Positions.valueOf(c.get("positions").asText().toUpperCase(Locale.ROOT)),
                c.get("rope_theta").asDouble(), scaling, c.get("qkv_bias").asBoolean(), c.get("out_bias").asBoolean(),
                c.get("qk_norm").asBoolean(), ModelConfig.Mlp.valueOf(c.get("mlp").asText().toUpperCase(Locale.ROOT)),
                c.get("mlp_bias").asBoolean(), c.get("tied_embeddings").asBoolean(),
                c.get("scale_attn_by_inverse_layer_idx").asBoolean(), c.get("sliding_window").asInt(),
                c.get("dropout").asDouble());
    }

    static double[] doubles(JsonNode array) {
        double[] d = new double[array.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = array.get(i).asDouble();
        }
        return d;
    }

    static int[] ints(JsonNode array) {
        int[] d = new int[array.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = array.get(i).asInt();
        }
        return d;
    }

    static void load(ParameterLayout layout, INDArray flat, JsonNode values) {
        assertEquals(layout.tensors().size(), values.size(), "tensor count");
        for (TensorSpec t : layout.tensors()) {
            JsonNode v = values.get(t.name());
            assertNotNull(v, "golden file has no tensor " + t.name());
            Views.of(flat, t.offset(), t.shape()).assign(Nd4j.createFromArray(doubles(v)).reshape(t.shape())
                    .castTo(flat.dataType()));
        }
    }

    @ParameterizedTest(name = "{0} case {1} {2} {3}")
    @MethodSource("cases")
    void matchesThePyTorchReference(String family, int index, DataType type, Kernels kernels, double tolerance,
                                    double floor) throws IOException {
        JsonNode g = golden(family);
        JsonNode c = g.get("cases").get(index);
        int b = g.get("batch").asInt();
        int t = g.get("seq_len").asInt();
        ModelConfig config = config(g.get("config"));
        boolean lora = c.get("lora").asBoolean();
        try (Decoder model = new Decoder(config, b, t, type, kernels, !lora)) {
            load(model.layout(), model.params(), c.get("params"));
            LoraAdapters adapters = null;
            if (lora) {
                JsonNode l = g.get("lora");
                List<String> targets = new ArrayList<>();
                l.get("target_modules").forEach(n -> targets.add(n.asText()));
                adapters = new LoraAdapters(new LoraConfig(l.get("r").asInt(), l.get("alpha").asDouble(), 0, targets),
                        config, type, b * t);
                load(adapters.layout(), adapters.params(), c.get("lora_params"));
                adapters.attach(model, kernels);
            }
            model.zeroGrads();
            float loss = model.forward(ints(g.get("tokens")), ints(g.get("targets")), b, t, false, 0);
            double expected = c.get("loss").asDouble();
            assertEquals(expected, loss, expected * Math.max(tolerance, 1e-7), "loss");
            check(doubles(c.get("logits")), model.logits(), tolerance, floor, "logits");
            model.backward(1f);
            ParameterLayout layout = lora ? adapters.layout() : model.layout();
            INDArray grads = lora ? adapters.grads() : model.grads();
            assertEquals(layout.tensors().size(), c.get("grads").size(), "gradient count");
            for (TensorSpec spec : layout.tensors()) {
                check(doubles(c.get("grads").get(spec.name())), Views.of(grads, spec.offset(), spec.shape()),
                        tolerance, floor, "gradient of " + spec.name());
            }
        }
    }

    private static void check(double[] expected, INDArray actual, double tolerance, double floor, String what) {
        double[] a = actual.dup('c').data().asDouble();
        assertEquals(expected.length, a.length, what + " length");
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - expected[i]) / Math.max(Math.abs(a[i]) + Math.abs(expected[i]),
                    floor));
        }
        assertTrue(worst <= tolerance, what + ": max relative error " + worst + " > " + tolerance);
    }
}
