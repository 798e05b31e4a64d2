package ai.stratum.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParameterLayoutTest {

    @Test
    void gpt2SmallHasTheReferenceParameterCount() {
        // GPT-2 small as published: 124,439,808 parameters (vocab 50257, context 1024, 12 x 768, tied head).
        ParameterLayout layout = ParameterLayout.gpt2(new ModelConfig(50257, 1024, 12, 12, 768, 0.0));
        assertEquals(124_439_808L, layout.size());
        assertEquals(2 + 12 * 12 + 2, layout.tensors().size());
    }

    @Test
    void tensorsAreContiguousAndNamedAsHuggingFace() {
        ModelConfig c = new ModelConfig(11, 7, 2, 2, 4, 0.0);
        ParameterLayout layout = ParameterLayout.gpt2(c);
        long expected = 0;
        for (TensorSpec t : layout.tensors()) {
            assertEquals(expected, t.offset(), t.name());
            expected = t.end();
        }
        assertEquals(expected, layout.size());
        assertEquals(11 * 4, layout.get("wte.weight").length());
        assertEquals(4 * 12, layout.get("h.1.attn.c_attn.weight").length());
        assertEquals(16 * 4, layout.get("h.0.mlp.c_proj.weight").length());
        assertTrue(layout.get("h.0.mlp.c_fc.weight").decays());
        assertFalse(layout.get("h.0.mlp.c_fc.bias").decays());
        assertFalse(layout.get("ln_f.weight").decays());
        assertEquals(2 * 4, layout.select(n -> n.contains(".attn.")).size());
    }

    @Test
    void invalidConfigsNameTheKey() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ModelConfig(100, 8, 2, 3, 8, 0.0));
        assertTrue(e.getMessage().startsWith("d_model:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ModelConfig(100, 8, 0, 2, 8, 0.0));
        assertTrue(e.getMessage().startsWith("n_layer:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ModelConfig(100, 8, 1, 2, 8, 1.0));
        assertTrue(e.getMessage().startsWith("dropout:"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ParameterLayout.gpt2(new ModelConfig(100, 8, 1, 2, 8, 0)).get("nope"));
    }
}
