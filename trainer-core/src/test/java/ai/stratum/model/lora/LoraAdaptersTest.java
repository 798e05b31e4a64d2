package ai.stratum.model.lora;

import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoraAdaptersTest {

    static final ModelConfig MODEL = ModelConfig.gpt2(50, 16, 3, 2, 8, 0.0);
    static final ParameterLayout BASE = ParameterLayout.decoder(MODEL);
    /** Llama-shaped: 4 query heads of 2, 2 kv heads, intermediate 12. */
    static final ModelConfig LLAMA = ModelConfig.llama(50, 16, 2, 4, 2, 8, 12, 1e-5, 10000, true);

    static LoraAdapters adapters(int r, List<String> targets) {
        return adapters(MODEL, r, targets);
    }

    static LoraAdapters adapters(ModelConfig model, int r, List<String> targets) {
        return new LoraAdapters(new LoraConfig(r, 16, 0.0, targets), model, DataType.FLOAT, 4);
    }

    static List<String> adapted(LoraAdapters a) {
        return a.sites().stream().map(LoraAdapters.Site::name).toList();
    }

    @Test
    void defaultTargetsAreTheAttentionLinearsWithPeftNamesAndShapes() {
        LoraAdapters a = adapters(4, LoraConfig.DEFAULT_TARGETS);
        assertEquals(List.of("layers.0.attn.qkv", "layers.0.attn.proj", "layers.1.attn.qkv", "layers.1.attn.proj",
                "layers.2.attn.qkv", "layers.2.attn.proj"), adapted(a));
        assertEquals(List.of(4L, 8L), List.of(a.layout().get("layers.1.attn.qkv.lora_A.weight").shape()[0],
                a.layout().get("layers.1.attn.qkv.lora_A.weight").shape()[1]));
        assertEquals(24, a.layout().get("layers.1.attn.qkv.lora_B.weight").shape()[0], "B is [out, r], out = 3C");
        assertEquals("transformer.h.1.attn.c_attn.lora_B.weight", a.hfName("layers.1.attn.qkv.lora_B.weight"));
        assertTrue(a.fanInFanOut());
    }

    @Test
    void llamaProjectionsAreRowSlicesOfTheFusedWeightsWithPeftNames() {
        LoraAdapters a = adapters(LLAMA, 2, LoraConfig.LLAMA_LINEARS);
        assertEquals(14, a.sites().size());
        LoraAdapters.Site k = a.sites().get(1);
        assertEquals(List.of("layers.0.attn.k", "layers.0.attn.qkv", 8, 12),
                List.of(k.name(), k.module(), k.rowStart(), k.rowEnd()), "k rows follow the 4 x 2 q rows");
        LoraAdapters.Site up = a.sites().get(5);
        assertEquals(List.of("layers.0.mlp.up", "layers.0.mlp.fc", 12, 24),
                List.of(up.name(), up.module(), up.rowStart(), up.rowEnd()), "up rows follow the gate rows");
        assertEquals(4, a.layout().get("layers.1.attn.v.lora_B.weight").shape()[0], "B covers the 2 x 2 v rows");
        assertEquals("model.layers.1.self_attn.v_proj.lora_A.weight", a.hfName("layers.1.attn.v.lora_A.weight"));
        assertEquals("model.layers.0.mlp.down_proj.lora_B.weight", a.hfName("layers.0.mlp.proj.lora_B.weight"));
        assertFalse(a.fanInFanOut());
        assertEquals(List.of("layers.0.attn.q", "layers.0.attn.v", "layers.1.attn.q", "layers.1.attn.v"),
                adapted(adapters(LLAMA, 2, List.of("q_proj", "v_proj"))));
    }

    @Test
    void cProjAloneMatchesBothProjectionsAndUnknownTargetsAreRejected() {
        LoraAdapters a = adapters(2, List.of("c_proj"));
        assertEquals(6, adapted(a).size());
        assertTrue(adapted(a).stream().allMatch(n -> n.endsWith(".proj")));
        var e = assertThrows(IllegalArgumentException.class, () -> new LoraConfig(2, 4, 0, List.of("wq")));
        assertTrue(e.getMessage().startsWith("target_modules:") && e.getMessage().contains("wq"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> adapters(2, List.of("q_proj"))); // a Llama name
        assertTrue(e.getMessage().startsWith("target_modules:") && e.getMessage().contains("q_proj")
                && e.getMessage().contains("c_attn"), e.getMessage());
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
