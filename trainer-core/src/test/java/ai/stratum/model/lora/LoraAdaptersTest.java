package ai.stratum.model.lora;

import ai.stratum.model.ModelConfig;
import ai.stratum.model.kernels.Nd4jKernels;
import ai.stratum.model.ParameterLayout;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoraAdaptersTest {

    static final ModelConfig MODEL = ModelConfig.gpt2(50, 16, 3, 2, 8, 0.0);
    static final ParameterLayout BASE = ParameterLayout.gpt2(MODEL);

    static LoraAdapters adapters(int r, List<String> targets) {
        return new LoraAdapters(new LoraConfig(r, 16, 0.0, targets), BASE, DataType.FLOAT, new Nd4jKernels(), 4);
    }

    @Test
    void defaultTargetsAreTheAttentionLinearsWithPeftNamesAndShapes() {
        LoraAdapters a = adapters(4, LoraConfig.DEFAULT_TARGETS);
        assertEquals(List.of("h.0.attn.c_attn.weight", "h.0.attn.c_proj.weight", "h.1.attn.c_attn.weight",
                "h.1.attn.c_proj.weight", "h.2.attn.c_attn.weight", "h.2.attn.c_proj.weight"),
                List.copyOf(a.adaptedWeights()));
        assertEquals(List.of(4L, 8L), List.of(a.layout().get("h.1.attn.c_attn.lora_A.weight").shape()[0],
                a.layout().get("h.1.attn.c_attn.lora_A.weight").shape()[1]));
        assertEquals(24, a.layout().get("h.1.attn.c_attn.lora_B.weight").shape()[0], "B is [out, r], out = 3C");
        assertNull(a.forWeight("h.0.mlp.c_fc.weight"));
        assertNotNull(a.forWeight("h.2.attn.c_proj.weight"));
    }

    @Test
    void cProjAloneMatchesBothProjectionsAndUnknownTargetsAreRejected() {
        LoraAdapters a = adapters(2, List.of("c_proj"));
        assertEquals(6, a.adaptedWeights().size());
        assertTrue(a.adaptedWeights().stream().allMatch(n -> n.endsWith("c_proj.weight")));
        var e = assertThrows(IllegalArgumentException.class, () -> new LoraConfig(2, 4, 0, List.of("q_proj")));
        assertTrue(e.getMessage().startsWith("target_modules:") && e.getMessage().contains("q_proj"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LoraConfig(0, 4, 0, List.of("c_attn")));
        assertTrue(e.getMessage().startsWith("r:"), e.getMessage());
    }

    @Test
    void adapterSizeIsProportionalToRank() {
        List<String> all = List.of("c_attn", "c_proj", "c_fc");
        long one = adapters(1, all).layout().size();
        for (int r : new int[] {2, 4, 8}) {
            assertEquals(r * one, adapters(r, all).layout().size(), "r = " + r);
        }
        // per layer and rank: (C + 3C) + (C + C) + (C + 4C) + (4C + C) = 16 C
        assertEquals(3L * 16 * MODEL.dModel(), one);
        assertTrue(adapters(8, all).layout().size() < BASE.size());
    }

    @Test
    void initStartsBAtZeroAndAWithinThePeftBound() {
        LoraAdapters a = adapters(4, LoraConfig.DEFAULT_TARGETS);
        a.init(5);
        for (var t : a.layout().tensors()) {
            var v = a.params().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(t.offset(), t.end()));
            double max = v.amaxNumber().doubleValue();
            if (t.name().endsWith("lora_B.weight")) {
                assertEquals(0.0, max, 0.0, t.name());
            } else {
                assertTrue(max > 0 && max <= 1 / Math.sqrt(t.shape()[1]), t.name() + " max " + max);
            }
        }
    }
}
