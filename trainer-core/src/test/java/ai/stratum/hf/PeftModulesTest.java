package ai.stratum.hf;

import ai.stratum.model.ModelConfig;
import ai.stratum.model.lora.LoraConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PEFT's module paths, adapter tensor names and shapes per family, and where each module sits internally. */
class PeftModulesTest {

    @Test
    void llamaModulesAreNnLinearWithTheirRowsInQkvAndFc() {
        ModelConfig c = WeightMapTest.llamaTiny(); // C 6, 3 heads of 2, 1 KV head, I 5, 2 layers
        PeftModules m = PeftModules.of(WeightMap.of(Family.LLAMA, c));
        assertFalse(m.fanInFanOut());
        assertEquals(List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
                m.shortNames());
        assertEquals(14, m.modules().size());
        PeftModules.Module k = m.modules().stream().filter(x -> x.key().equals("model.layers.1.self_attn.k_proj"))
                .findFirst().orElseThrow();
        assertEquals(new PeftModules.Module("model.layers.1.self_attn.k_proj", 6, 2, "layers.1.attn.qkv.weight", 6),
                k);
        assertEquals("base_model.model.model.layers.1.self_attn.k_proj.lora_A.weight", k.loraA());
        assertEquals("base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight", k.loraB());
        PeftModules.Module up = m.modules().stream().filter(x -> x.key().equals("model.layers.0.mlp.up_proj"))
                .findFirst().orElseThrow();
        assertEquals(5, up.firstRow());
        assertEquals("layers.0.mlp.fc.weight", up.internalWeight());

        LoraConfig lora = new LoraConfig(4, 8, 0, List.of("q_proj", "v_proj"), true,
                Map.of("model.layers.1.self_attn.v_proj", 2), Map.of());
        List<PeftModules.Module> t = m.targeted(lora);
        assertEquals(4, t.size());
        PeftModules.Module v1 = t.get(3);
        assertEquals("model.layers.1.self_attn.v_proj", v1.key());
        long[][] shapes = PeftModules.shapes(v1, lora);
        assertArrayEquals(new long[] {2, 6}, shapes[0], "A [r, in] with the pattern's rank");
        assertArrayEquals(new long[] {2, 2}, shapes[1], "B [out, r]");
        assertEquals(8 / Math.sqrt(2), lora.scale(v1.key()), 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.targeted(new LoraConfig(4, 8, 0, List.of("c_attn"))));
        assertTrue(e.getMessage().contains("q_proj"), e.getMessage());
    }

    @Test
    void gpt2ModulesAreConv1DUnderTransformer() {
        PeftModules m = PeftModules.of(WeightMap.of(Family.GPT2, WeightMapTest.gpt2Tiny())); // C 4
        assertTrue(m.fanInFanOut());
        assertEquals(List.of("c_attn", "c_proj", "c_fc"), m.shortNames());
        PeftModules.Module attn = m.modules().get(0);
        assertEquals(new PeftModules.Module("transformer.h.0.attn.c_attn", 4, 12, "layers.0.attn.qkv.weight", 0),
                attn);
        assertEquals("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight", attn.loraA());
        assertEquals(4, m.targeted(new LoraConfig(2, 4, 0, List.of("c_proj"))).size(), "c_proj: both projections");
    }

    @Test
    void qwen3ModulesUseTheExplicitHeadDim() {
        PeftModules m = PeftModules.of(WeightMap.of(Family.QWEN3, WeightMapTest.qwen3Tiny())); // C 6, 2 x hd 4
        PeftModules.Module o = m.modules().stream().filter(x -> x.key().endsWith("o_proj")).findFirst().orElseThrow();
        assertEquals(8, o.in());
        assertEquals(6, o.out());
    }
}
