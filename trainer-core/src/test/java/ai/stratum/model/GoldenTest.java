package ai.stratum.model;

import ai.stratum.model.kernels.CpuKernels;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.kernels.NaiveKernels;
import ai.stratum.model.kernels.Nd4jKernels;
import ai.stratum.hf.Family;
import ai.stratum.hf.WeightMap;
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
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Logits, loss and every gradient of a fixed-weight model against the values computed independently in numpy by
 * {@code scripts/golden/gpt2_reference.py} (committed with its output, {@code golden/gpt2-tiny.json}).
 */
class GoldenTest {

    static Stream<Arguments> cases() {
        // tolerance: max relative error, values below the floor compared absolutely
        return Stream.of(Arguments.of(DataType.DOUBLE, 1e-9, 1e-6), Arguments.of(DataType.FLOAT, 2e-4, 1e-2))
                .flatMap(a -> Stream.of(new Nd4jKernels(), new NaiveKernels(), new CpuKernels())
                        .map(k -> Arguments.of(a.get()[0], a.get()[1], a.get()[2], k)));
    }

    static JsonNode golden() throws IOException {
        try (InputStream in = GoldenTest.class.getResourceAsStream("/golden/gpt2-tiny.json")) {
            assertNotNull(in, "golden/gpt2-tiny.json is missing: run scripts/golden/gpt2_reference.py");
            return new ObjectMapper().readTree(in);
        }
    }

    static ModelConfig config(JsonNode g) {
        JsonNode c = g.get("config");
        return ModelConfig.gpt2(c.get("vocab_size").asInt(), c.get("context_length").asInt(), c.get("n_layer").asInt(),
                c.get("n_head").asInt(), c.get("d_model").asInt(), c.get("dropout").asDouble());
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

    /**
     * The golden file's tensors under GPT-2's Hugging Face names and Conv1D [in, out] layout, converted (in double)
     * by the GPT-2 table of {@link WeightMap} into the decoder's internal names and [out, in] layout.
     */
    static java.util.Map<String, double[]> internal(ModelConfig config, JsonNode tensors) {
        WeightMap map = WeightMap.of(Family.GPT2, config);
        java.util.Map<String, double[]> out = new java.util.LinkedHashMap<>();
        for (TensorSpec t : map.layout().tensors()) {
            out.put(t.name(), new double[(int) t.length()]);
        }
        for (WeightMap.Part p : map.parts()) {
            double[] hf = doubles(tensors.get(p.hf()));
            double[] in = out.get(p.internal());
            if (p.transposed()) {
                int rows = (int) p.hfShape()[0];
                int cols = (int) p.hfShape()[1];
                for (int r = 0; r < rows; r++) {
                    for (int k = 0; k < cols; k++) {
                        in[k * rows + r] = hf[r * cols + k];
                    }
                }
            } else {
                System.arraycopy(hf, 0, in, (int) p.elementOffset(), hf.length);
            }
        }
        return out;
    }

    static void loadParams(Decoder gpt, JsonNode g) {
        internal(gpt.config(), g.get("params")).forEach((name, v) -> gpt.param(name).assign(
                Nd4j.createFromArray(v).reshape(gpt.layout().get(name).shape()).castTo(gpt.dataType())));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesTheNumpyReference(DataType type, double tolerance, double floor, Kernels kernels) throws IOException {
        JsonNode g = golden();
        int b = g.get("batch").asInt();
        int t = g.get("seq_len").asInt();
        try (Decoder gpt = new Decoder(config(g), b, t, type, kernels)) {
            loadParams(gpt, g);
            gpt.zeroGrads();
            float loss = gpt.forward(ints(g.get("tokens")), ints(g.get("targets")), b, t, false, 0);
            assertEquals(g.get("loss").asDouble(), loss, g.get("loss").asDouble() * Math.max(tolerance, 1e-7), "loss");
            check(doubles(g.get("logits")), gpt.logits(), tolerance, floor, "logits");
            gpt.backward(1f);
            internal(gpt.config(), g.get("grads")).forEach((name, expected) ->
                    check(expected, gpt.grad(name), tolerance, floor, "gradient of " + name));
        }
    }

    private static void check(double[] expected, INDArray actual, double tolerance, double floor, String what) {
        double[] a = actual.dup('c').data().asDouble();
        assertEquals(expected.length, a.length, what + " length");
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - expected[i]) / Math.max(Math.abs(a[i]) + Math.abs(expected[i]), floor));
        }
        assertTrue(worst <= tolerance, what + ": max relative error " + worst + " > " + tolerance);
    }
}
