package ai.stratum.hf;

import ai.stratum.model.ModelConfig;
import ai.stratum.model.ModelConfig.Mlp;
import ai.stratum.model.ModelConfig.Norm;
import ai.stratum.model.ModelConfig.Positions;
import ai.stratum.model.TensorSpec;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each family's Hugging Face names and layouts against the internal ones: published shapes, placement, round trip. */
class WeightMapTest {

    static ModelConfig gpt2Tiny() {
        return ModelConfig.gpt2(11, 6, 2, 2, 4, 0.0);
    }

    /** A Llama of 3 query heads over 1 KV head (GQA), untied. */
    static ModelConfig llamaTiny() {
        return ModelConfig.llama(13, 8, 2, 3, 1, 6, 5, 1e-5, 10000, false);
    }

    static ModelConfig qwen2Tiny() {
        return new ModelConfig(13, 8, 1, 2, 1, 4, 8, 6, Norm.RMS_NORM, 1e-6, Positions.ROPE, 1e6, null, true, false,
                false, Mlp.SWIGLU, false, true, false, 0, 0.0);
    }

    /** head_dim 4 with d_model 6: Qwen3's explicit head width. */
    static ModelConfig qwen3Tiny() {
        return new ModelConfig(13, 8, 1, 2, 1, 4, 6, 5, Norm.RMS_NORM, 1e-6, Positions.ROPE, 1e6, null, false, false,
                true, Mlp.SWIGLU, false, true, false, 0, 0.0);
    }

    static Map<String, WeightMap.Tensor> random(WeightMap map, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, WeightMap.Tensor> hf = new LinkedHashMap<>();
        for (WeightMap.Part p : map.parts()) {
            float[] v = new float[(int) p.length()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rng.nextGaussian();
            }
            hf.put(p.hf(), new WeightMap.Tensor(p.hfShape(), v));
        }
        return hf;
    }

    static void assertRoundTrip(WeightMap map) {
        Map<String, WeightMap.Tensor> hf = random(map, 7);
        Map<String, WeightMap.Tensor> internal = map.toInternal(hf);
        assertEquals(map.layout().tensors().size(), internal.size());
        for (TensorSpec t : map.layout().tensors()) {
            assertArrayEquals(t.shape(), internal.get(t.name()).shape(), t.name());
        }
        Map<String, WeightMap.Tensor> back = map.toHf(internal);
        assertEquals(hf.keySet().stream().toList(), back.keySet().stream().toList());
        hf.forEach((name, t) -> {
            assertArrayEquals(t.shape(), back.get(name).shape(), name);
            assertArrayEquals(t.data(), back.get(name).data(), name);
        });
        // every internal element comes from exactly one part: the parts tile the layout
        long covered = map.parts().stream().mapToLong(WeightMap.Part::length).sum();
        assertEquals(map.layout().size(), covered);
    }

    @Test
    void everyFamilyRoundTrips() {
        assertRoundTrip(WeightMap.of(Family.GPT2, gpt2Tiny()));
        assertRoundTrip(WeightMap.of(Family.LLAMA, llamaTiny()));
        assertRoundTrip(WeightMap.of(Family.MISTRAL, llamaTiny()));
        assertRoundTrip(WeightMap.of(Family.QWEN2, qwen2Tiny()));
        assertRoundTrip(WeightMap.of(Family.QWEN3, qwen3Tiny()));
    }

    private static long[] shape(WeightMap map, String hf) {
        return map.part(hf).hfShape();
    }

    @Test
    void publishedShapes() {
        // GPT-2 small (openai-community/gpt2): Conv1D weights [in, out]
        WeightMap gpt2 = WeightMap.of(Family.GPT2, ModelConfig.gpt2(50257, 1024, 12, 12, 768, 0.0));
        assertArrayEquals(new long[] {768, 2304}, shape(gpt2, "h.0.attn.c_attn.weight"));
        assertArrayEquals(new long[] {768, 3072}, shape(gpt2, "h.11.mlp.c_fc.weight"));
        assertArrayEquals(new long[] {3072, 768}, shape(gpt2, "h.11.mlp.c_proj.weight"));
        assertArrayEquals(new long[] {1024, 768}, shape(gpt2, "wpe.weight"));
        // Llama-3.2-1B: d 2048, 32 heads of 64, 8 KV heads, intermediate 8192, tied
        WeightMap llama = WeightMap.of(Family.LLAMA,
                ModelConfig.llama(128256, 131072, 16, 32, 8, 2048, 8192, 1e-5, 500000, true));
        assertArrayEquals(new long[] {2048, 2048}, shape(llama, "model.layers.15.self_attn.q_proj.weight"));
        assertArrayEquals(new long[] {512, 2048}, shape(llama, "model.layers.0.self_attn.k_proj.weight"));
        assertArrayEquals(new long[] {8192, 2048}, shape(llama, "model.layers.0.mlp.gate_proj.weight"));
        assertArrayEquals(new long[] {2048, 8192}, shape(llama, "model.layers.0.mlp.down_proj.weight"));
        assertNull(llama.part("lm_head.weight"), "tied: no head tensor of its own");
        assertEquals(146, llama.parts().size(), "1 embedding + 16 x 9 + final norm");
        // Qwen3-0.6B: d 1024, 16 heads of 128 (head_dim != d / heads), 8 KV heads, intermediate 3072
        WeightMap qwen3 = WeightMap.of(Family.QWEN3, new ModelConfig(151936, 40960, 28, 16, 8, 128, 1024, 3072,
                Norm.RMS_NORM, 1e-6, Positions.ROPE, 1e6, null, false, false, true, Mlp.SWIGLU, false, true, false, 0,
                0.0));
        assertArrayEquals(new long[] {2048, 1024}, shape(qwen3, "model.layers.0.self_attn.q_proj.weight"));
        assertArrayEquals(new long[] {1024, 2048}, shape(qwen3, "model.layers.0.self_attn.o_proj.weight"));
        assertArrayEquals(new long[] {128}, shape(qwen3, "model.layers.27.self_attn.k_norm.weight"));
        // Qwen2.5-0.5B: d 896, 14 heads of 64, 2 KV heads: q/k/v biases, none on o
        WeightMap qwen2 = WeightMap.of(Family.QWEN2, new ModelConfig(151936, 32768, 24, 14, 2, 64, 896, 4864,
                Norm.RMS_NORM, 1e-6, Positions.ROPE, 1e6, null, true, false, false, Mlp.SWIGLU, false, true, false, 0,
                0.0));
        assertArrayEquals(new long[] {128}, shape(qwen2, "model.layers.0.self_attn.v_proj.bias"));
        assertNull(qwen2.part("model.layers.0.self_attn.o_proj.bias"));
    }

    @Test
    void qkvAndGateUpAreRowBlocksAndConv1DIsTransposed() {
        ModelConfig c = llamaTiny(); // C 6, 3 heads of 2, 1 KV head, I 5
        WeightMap map = WeightMap.of(Family.LLAMA, c);
        Map<String, WeightMap.Tensor> hf = random(map, 3);
        Map<String, WeightMap.Tensor> in = map.toInternal(hf);
        float[] qkv = in.get("layers.1.attn.qkv.weight").data(); // [(3 + 2) * 2, 6]
        float[] k = hf.get("model.layers.1.self_attn.k_proj.weight").data(); // [2, 6]
        float[] v = hf.get("model.layers.1.self_attn.v_proj.weight").data();
        assertEquals(k[1 * 6 + 4], qkv[(6 + 1) * 6 + 4]); // k row 1 is qkv row nH hd + 1
        assertEquals(v[0], qkv[8 * 6]); // v row 0 is qkv row (nH + nKv) hd
        float[] fc = in.get("layers.0.mlp.fc.weight").data(); // [2 * 5, 6]
        assertEquals(hf.get("model.layers.0.mlp.up_proj.weight").data()[2 * 6 + 3], fc[(5 + 2) * 6 + 3]);
        assertEquals(hf.get("model.layers.0.mlp.gate_proj.weight").data()[4 * 6 + 5], fc[4 * 6 + 5]);
        assertArrayEquals(hf.get("lm_head.weight").data(), in.get("lm_head.weight").data());

        WeightMap g = WeightMap.of(Family.GPT2, gpt2Tiny()); // C 4
        Map<String, WeightMap.Tensor> ghf = random(g, 4);
        Map<String, WeightMap.Tensor> gin = g.toInternal(ghf);
        float[] cAttn = ghf.get("h.0.attn.c_attn.weight").data(); // [in 4, out 12]
        float[] gqkv = gin.get("layers.0.attn.qkv.weight").data(); // [out 12, in 4]
        assertEquals(cAttn[1 * 12 + 9], gqkv[9 * 4 + 1]);
        float[] cProj = ghf.get("h.1.mlp.c_proj.weight").data(); // [in 16, out 4]
        assertEquals(cProj[13 * 4 + 2], gin.get("layers.1.mlp.proj.weight").data()[2 * 16 + 13]);
    }

    @Test
    void gpt2CheckpointsMayCarryPrefixMaskBuffersAndTheTiedHead() {
        WeightMap g = WeightMap.of(Family.GPT2, gpt2Tiny());
        Map<String, WeightMap.Tensor> plain = random(g, 5);
        Map<String, WeightMap.Tensor> saved = new LinkedHashMap<>();
        plain.forEach((name, t) -> saved.put("transformer." + name, t));
        saved.put("transformer.h.0.attn.bias", new WeightMap.Tensor(new long[] {1, 1, 6, 6}, new float[36]));
        saved.put("h.1.attn.masked_bias", new WeightMap.Tensor(new long[] {1}, new float[] {-1e4f}));
        saved.put("lm_head.weight", plain.get("wte.weight"));
        Map<String, WeightMap.Tensor> in = g.toInternal(saved);
        assertArrayEquals(plain.get("wte.weight").data(), in.get("tok_embeddings.weight").data());
        assertTrue(g.isBuffer("h.0.attn.bias"));
        assertFalse(g.isBuffer("h.0.attn.c_attn.bias"));

        float[] trained = plain.get("wte.weight").data().clone();
        trained[3] += 0.5f;
        saved.put("lm_head.weight", new WeightMap.Tensor(plain.get("wte.weight").shape(), trained));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.toInternal(saved));
        assertTrue(e.getMessage().contains("lm_head.weight") && e.getMessage().contains("tie_word_embeddings"),
                e.getMessage());
    }

    @Test
    void refusesMissingUnexpectedAndMisshapenTensorsByName() {
        WeightMap q = WeightMap.of(Family.QWEN3, qwen3Tiny());
        Map<String, WeightMap.Tensor> hf = random(q, 6);
        hf.remove("model.layers.0.self_attn.q_norm.weight");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> q.toInternal(hf)).getMessage()
                .contains("model.layers.0.self_attn.q_norm.weight: missing"));

        Map<String, WeightMap.Tensor> extra = random(q, 6);
        extra.put("model.layers.0.self_attn.o_proj.bias", new WeightMap.Tensor(new long[] {6}, new float[6]));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> q.toInternal(extra)).getMessage()
                .contains("model.layers.0.self_attn.o_proj.bias: not part of a qwen3 model"));

        Map<String, WeightMap.Tensor> wrong = random(q, 6);
        wrong.put("model.layers.0.mlp.up_proj.weight", new WeightMap.Tensor(new long[] {6, 5}, new float[30]));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> q.toInternal(wrong)).getMessage()
                .contains("model.layers.0.mlp.up_proj.weight: has shape [6, 5]"));

        Map<String, WeightMap.Tensor> rope = random(WeightMap.of(Family.LLAMA, llamaTiny()), 8);
        rope.put("model.layers.0.self_attn.rotary_emb.inv_freq", new WeightMap.Tensor(new long[] {1}, new float[1]));
        WeightMap.of(Family.LLAMA, llamaTiny()).toInternal(rope); // a buffer: skipped
    }

    @Test
    void refusesConfigsTheFamilyCannotHold() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> WeightMap.of(Family.LLAMA, qwen2Tiny()))
                .getMessage().startsWith("attention_bias"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> WeightMap.of(Family.QWEN2, qwen3Tiny()))
                .getMessage().startsWith("attention_bias"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> WeightMap.of(Family.GPT2, llamaTiny()))
                .getMessage().startsWith("model_type: gpt2"));
        assertEquals(Family.QWEN3, Family.infer(qwen3Tiny()));
        assertEquals(Family.QWEN2, Family.infer(qwen2Tiny()));
        assertEquals(Family.LLAMA, Family.infer(llamaTiny()));
        assertEquals(Family.GPT2, Family.infer(gpt2Tiny()));
    }
}
