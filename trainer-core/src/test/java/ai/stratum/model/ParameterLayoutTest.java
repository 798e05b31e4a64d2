package ai.stratum.model;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParameterLayoutTest {

    @Test
    void decoderLayoutsHaveThePublishedParameterCounts() {
        // GPT-2 small: 124,439,808 as published, the same count as the GPT-2 layout.
        assertEquals(124_439_808L, ParameterLayout.decoder(ModelConfig.gpt2(50257, 1024, 12, 12, 768, 0.0)).size());
        // Llama-3.2-1B (config.json: vocab 128256, d 2048, 16 layers, 32 heads, 8 KV heads, intermediate 8192,
        // tied): 1,235,814,400 parameters.
        assertEquals(1_235_814_400L, ParameterLayout.decoder(ModelConfig.llama(128256, 131072, 16, 32, 8, 2048, 8192,
                1e-5, 500000.0, true)).size());
        // SmolLM2-135M (vocab 49152, d 576, 30 layers, 9 heads, 3 KV heads, intermediate 1536, tied): 134,515,008.
        assertEquals(134_515_008L, ParameterLayout.decoder(ModelConfig.llama(49152, 8192, 30, 9, 3, 576, 1536, 1e-5,
                100000.0, true)).size());
        // Qwen3-0.6B (vocab 151936, d 1024, 28 layers, 16 heads of 128, 8 KV heads, intermediate 3072, q/k norm,
        // tied): 596,049,920, with head_dim * n_head (2048) wider than d_model.
        ModelConfig qwen3 = new ModelConfig(151936, 40960, 28, 16, 8, 128, 1024, 3072, ModelConfig.Norm.RMS_NORM, 1e-6,
                ModelConfig.Positions.ROPE, 1_000_000.0, null, false, false, true, ModelConfig.Mlp.SWIGLU, false, true,
                false, 0, 0.0);
        ParameterLayout q = ParameterLayout.decoder(qwen3);
        assertEquals(596_049_920L, q.size());
        assertEquals(List.of(4096L, 1024L), List.of(q.get("layers.0.attn.qkv.weight").shape()[0],
                q.get("layers.0.attn.qkv.weight").shape()[1]));
        assertEquals(1024L, q.get("layers.27.attn.proj.weight").shape()[0]);
        assertEquals(2048L, q.get("layers.27.attn.proj.weight").shape()[1]);
        assertFalse(q.contains("lm_head.weight"));
        assertFalse(q.contains("layers.0.attn_norm.bias"));
    }

    @Test
    void tensorsAreContiguousWithInternalNamesAndOutInLayouts() {
        ModelConfig c = ModelConfig.gpt2(11, 7, 2, 2, 4, 0.0);
        ParameterLayout layout = ParameterLayout.decoder(c);
        long expected = 0;
        for (TensorSpec t : layout.tensors()) {
            assertEquals(expected, t.offset(), t.name());
            expected = t.end();
        }
        assertEquals(expected, layout.size());
        assertEquals(2 + 12 * 2 + 2, layout.tensors().size());
        assertEquals(11 * 4, layout.get("tok_embeddings.weight").length());
        assertEquals(List.of(12L, 4L), List.of(layout.get("layers.1.attn.qkv.weight").shape()[0],
                layout.get("layers.1.attn.qkv.weight").shape()[1]));
        assertEquals(List.of(4L, 16L), List.of(layout.get("layers.0.mlp.proj.weight").shape()[0],
                layout.get("layers.0.mlp.proj.weight").shape()[1]));
        assertTrue(layout.get("layers.0.mlp.fc.weight").decays());
        assertFalse(layout.get("layers.0.mlp.fc.bias").decays());
        assertFalse(layout.get("norm.weight").decays());
        assertEquals(2 * 4, layout.select(n -> n.contains(".attn.")).size());
    }

    @Test
    void invalidConfigsNameTheKey() {
        var e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.gpt2(100, 8, 2, 3, 8, 0.0));
        assertTrue(e.getMessage().startsWith("d_model:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.gpt2(100, 8, 0, 2, 8, 0.0));
        assertTrue(e.getMessage().startsWith("n_layer:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.gpt2(100, 8, 1, 2, 8, 1.0));
        assertTrue(e.getMessage().startsWith("dropout:"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ParameterLayout.decoder(ModelConfig.gpt2(100, 8, 1, 2, 8, 0)).get("nope"));
    }
}
