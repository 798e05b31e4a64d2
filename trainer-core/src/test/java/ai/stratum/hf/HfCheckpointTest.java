package ai.stratum.hf;

import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import ai.stratum.model.TensorSpec;
import ai.stratum.model.Views;
import ai.stratum.train.checkpoint.Checkpoints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Weights of every family through the table at the tensor level (the decoder that computes with them is another
 * module's): save then load is the identity in F32 and BF16's rounding in BF16, sharded or not; Hugging Face's own
 * names load into the internal places; damage and mismatch are refused by name.
 */
class HfCheckpointTest {

    @TempDir
    Path dir;

    static INDArray random(ParameterLayout layout, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] v = new float[(int) layout.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return Nd4j.createFromArray(v);
    }

    static List<WeightMap> families() {
        return List.of(WeightMap.of(Family.GPT2, WeightMapTest.gpt2Tiny()),
                WeightMap.of(Family.LLAMA, WeightMapTest.llamaTiny()),
                WeightMap.of(Family.MISTRAL, WeightMapTest.llamaTiny()),
                WeightMap.of(Family.QWEN2, WeightMapTest.qwen2Tiny()),
                WeightMap.of(Family.QWEN3, WeightMapTest.qwen3Tiny()));
    }

    @Test
    void everyFamilySavesAndLoadsExactlySingleAndSharded() throws IOException {
        for (WeightMap map : families()) {
            INDArray params = random(map.layout(), 11);
            Path single = dir.resolve(map.family().modelType());
            HfCheckpoint.saveModel(single, map, params, 2, Safetensors.Dtype.F32, HfCheckpoint.DEFAULT_SHARD_BYTES);
            assertTrue(Files.isRegularFile(single.resolve(HfCheckpoint.MODEL)));
            assertEquals(new HfConfig.Parsed(map.family(), map.config()), HfConfig.parse(single));
            INDArray back = Nd4j.zeros(DataType.FLOAT, map.layout().size());
            HfCheckpoint.load(single, HfCheckpoint.mapOf(single), map.layout(), back);
            assertArrayEquals(params.toFloatVector(), back.toFloatVector(), map.family().modelType());
            Checkpoints.validate(single, map.layout());

            // 1000-byte shards: several files and an index that transformers reads
            HfCheckpoint.save(single, map, params, Safetensors.Dtype.F32, 1000);
            assertFalse(Files.exists(single.resolve(HfCheckpoint.MODEL)), "the single file of the last save is gone");
            JsonNode index = new ObjectMapper().readTree(single.resolve(HfCheckpoint.INDEX).toFile());
            assertEquals(map.layout().size() * 4, index.path("metadata").path("total_size").asLong());
            assertEquals(map.parts().size(), index.path("weight_map").size());
            long shards;
            try (Stream<Path> files = Files.list(single)) {
                shards = files.filter(f -> f.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors"))
                        .count();
            }
            assertTrue(shards >= 2, "shards: " + shards);
            for (Path f : HfCheckpoint.open(single).files()) {
                Safetensors.Header h = Safetensors.readHeader(f);
                long data = h.tensors().values().stream().mapToLong(e -> e.end() - e.begin()).sum();
                assertTrue(data <= 1000 || h.tensors().size() == 1, f + " holds one oversized tensor or fits the limit");
            }
            INDArray sharded = Nd4j.zeros(DataType.FLOAT, map.layout().size());
            HfCheckpoint.load(single, map, map.layout(), sharded);
            assertArrayEquals(params.toFloatVector(), sharded.toFloatVector());

            // back to one file: the shards and index of the previous save are removed
            HfCheckpoint.save(single, map, params, Safetensors.Dtype.F32, HfCheckpoint.DEFAULT_SHARD_BYTES);
            try (Stream<Path> files = Files.list(single)) {
                assertEquals(List.of("config.json", "model.safetensors"),
                        files.map(f -> f.getFileName().toString()).sorted().toList());
            }
        }
    }

    /** Nearest bfloat16, ties to even, by comparing the two candidates in double: a reference independent of bit tricks. */
    static float nearestBf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        float down = Float.intBitsToFloat(bits & 0xFFFF0000);
        float up = Float.intBitsToFloat((bits & 0xFFFF0000) + 0x10000);
        double dDown = Math.abs((double) x - down);
        double dUp = Math.abs((double) up - x);
        if (dDown != dUp) {
            return dDown < dUp ? down : up;
        }
        return ((bits >>> 16) & 1) == 0 ? down : up;
    }

    @Test
    void bf16ExportRoundsToNearestEvenAndSaysSoInTheConfig() throws IOException {
        WeightMap map = WeightMap.of(Family.QWEN3, WeightMapTest.qwen3Tiny());
        INDArray params = random(map.layout(), 12);
        float[] p = params.toFloatVector();
        p[0] = Float.intBitsToFloat(0x3F808000); // halfway, even below: stays 0x3F80
        p[1] = Float.intBitsToFloat(0x3F818000); // halfway, odd below: goes up to 0x3F82
        params = Nd4j.createFromArray(p);
        HfCheckpoint.saveModel(dir, map, params, 0, Safetensors.Dtype.BF16, HfCheckpoint.DEFAULT_SHARD_BYTES);
        assertEquals("bfloat16", new ObjectMapper().readTree(dir.resolve("config.json").toFile())
                .get("torch_dtype").asText());
        Safetensors.Header h = Safetensors.readHeader(dir.resolve(HfCheckpoint.MODEL));
        assertTrue(h.tensors().values().stream().allMatch(e -> e.dtype() == Safetensors.Dtype.BF16));
        INDArray back = Nd4j.zeros(DataType.FLOAT, map.layout().size());
        HfCheckpoint.load(dir, map, map.layout(), back);
        float[] b = back.toFloatVector();
        for (int i = 0; i < p.length; i++) {
            assertEquals(nearestBf16(p[i]), b[i], "element " + i);
        }
        assertEquals(Float.intBitsToFloat(0x3F800000), b[0]);
        assertEquals(Float.intBitsToFloat(0x3F820000), b[1]);
    }

    @Test
    void huggingFaceNamesLandInTheirInternalPlaces() throws IOException {
        WeightMap map = WeightMap.of(Family.LLAMA, WeightMapTest.llamaTiny());
        Map<String, WeightMap.Tensor> hf = WeightMapTest.random(map, 13);
        // written as transformers does, name by name, with a RoPE buffer of old checkpoints
        List<Safetensors.Source> sources = new ArrayList<>();
        for (Map.Entry<String, WeightMap.Tensor> e : hf.entrySet()) {
            sources.add(new Safetensors.Source(e.getKey(), e.getValue().shape(),
                    Nd4j.createFromArray(e.getValue().data()), 0));
        }
        sources.add(new Safetensors.Source("model.layers.0.self_attn.rotary_emb.inv_freq", new long[] {1},
                Nd4j.createFromArray(1f), 0));
        Safetensors.write(dir.resolve(HfCheckpoint.MODEL), sources, Map.of("format", "pt"), Safetensors.Dtype.F32);
        HfConfig.write(dir, map.config(), Family.LLAMA, 1, "float32");
        INDArray params = Nd4j.zeros(DataType.FLOAT, map.layout().size());
        HfCheckpoint.load(dir, HfCheckpoint.mapOf(dir), map.layout(), params);
        Map<String, WeightMap.Tensor> internal = map.toInternal(hf);
        for (TensorSpec t : map.layout().tensors()) {
            assertArrayEquals(internal.get(t.name()).data(),
                    Views.of(params, t.offset(), t.length()).toFloatVector(), t.name());
        }
    }

    @Test
    void gpt2ConvOneDWithPrefixMaskAndTiedHeadLoads() throws IOException {
        WeightMap map = WeightMap.of(Family.GPT2, WeightMapTest.gpt2Tiny());
        Map<String, WeightMap.Tensor> hf = WeightMapTest.random(map, 14);
        List<Safetensors.Source> sources = new ArrayList<>();
        hf.forEach((name, t) -> sources.add(new Safetensors.Source("transformer." + name, t.shape(),
                Nd4j.createFromArray(t.data()), 0)));
        sources.add(new Safetensors.Source("transformer.h.0.attn.bias", new long[] {1, 1, 6, 6},
                Nd4j.ones(DataType.FLOAT, 36), 0));
        WeightMap.Tensor wte = hf.get("wte.weight");
        sources.add(new Safetensors.Source("lm_head.weight", wte.shape(), Nd4j.createFromArray(wte.data()), 0));
        Safetensors.write(dir.resolve(HfCheckpoint.MODEL), sources, Map.of("format", "pt"));
        HfConfig.write(dir, map.config(), Family.GPT2, 10, "float32");
        INDArray params = Nd4j.zeros(DataType.FLOAT, map.layout().size());
        HfCheckpoint.load(dir, HfCheckpoint.mapOf(dir), map.layout(), params);
        Map<String, WeightMap.Tensor> internal = map.toInternal(hf);
        for (TensorSpec t : map.layout().tensors()) {
            assertArrayEquals(internal.get(t.name()).data(),
                    Views.of(params, t.offset(), t.length()).toFloatVector(), t.name());
        }
    }

    @Test
    void grownVocabularyKeepsTheStoredRowsFirst() throws IOException {
        WeightMap map = WeightMap.of(Family.LLAMA, WeightMapTest.llamaTiny()); // untied, V 13
        INDArray params = random(map.layout(), 15);
        HfCheckpoint.saveModel(dir, map, params, 0, Safetensors.Dtype.F32, HfCheckpoint.DEFAULT_SHARD_BYTES);
        ParameterLayout grown = ParameterLayout.decoder(map.config().withVocabSize(16));
        INDArray into = Nd4j.zeros(DataType.FLOAT, grown.size());
        HfCheckpoint.load(dir, map, grown, into);
        for (TensorSpec t : map.layout().tensors()) {
            assertArrayEquals(Views.of(params, t.offset(), t.length()).toFloatVector(),
                    Views.of(into, grown.get(t.name()).offset(), t.length()).toFloatVector(), t.name());
        }
    }

    @Test
    void refusesMismatchAndDamageByName() throws IOException {
        WeightMap qwen2 = WeightMap.of(Family.QWEN2, WeightMapTest.qwen2Tiny());
        INDArray params = random(qwen2.layout(), 16);
        HfCheckpoint.saveModel(dir, qwen2, params, 0, Safetensors.Dtype.F32, 600);
        // another family's table of the same sizes: qwen3 has no biases but q/k norms
        ModelConfig q2 = qwen2.config();
        WeightMap other = WeightMap.of(Family.QWEN3, new ModelConfig(q2.vocabSize(), q2.contextLength(), q2.nLayer(),
                q2.nHead(), q2.nKvHead(), q2.headDim(), q2.dModel(), q2.intermediateSize(), q2.norm(), q2.normEps(),
                q2.positions(), q2.ropeTheta(), null, false, false, true, q2.mlp(), false, true, false, 0, 0.0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HfCheckpoint.load(dir, other, other.layout(), Nd4j.zeros(DataType.FLOAT, other.layout().size())));
        assertTrue(e.getMessage().matches("(?s).*model-\\d{5}-of-\\d{5}\\.safetensors: tensor "
                + "model\\.layers\\.0\\.self_attn\\.[kqv]_proj\\.bias: not part of a qwen3 model.*"), e.getMessage());

        // an index that names a tensor its shard lacks
        Path index = dir.resolve(HfCheckpoint.INDEX);
        String json = Files.readString(index);
        String first = Safetensors.readHeader(dir.resolve("model-00001-of-" + json.replaceAll("(?s).*model-00001-of-(\\d{5}).*", "$1")
                + ".safetensors")).tensors().keySet().iterator().next();
        Files.writeString(index, json.replace("\"" + first + "\" : \"model-00001", "\"" + first + "\" : \"model-00002"));
        IOException damaged = assertThrows(IOException.class, () -> HfCheckpoint.open(dir));
        assertTrue(damaged.getMessage().contains("'" + first + "'"), damaged.getMessage());
        Files.writeString(index, json.replace("\"weight_map\"", "\"weights\""));
        assertTrue(assertThrows(IOException.class, () -> HfCheckpoint.open(dir)).getMessage().contains("weight_map"));
        Files.writeString(index, json.replace("\"model-00001", "\"../model-00001"));
        assertTrue(assertThrows(IOException.class, () -> HfCheckpoint.open(dir)).getMessage()
                .contains("must be a file name inside"));

        // a tied head's stored copy that is not the embedding
        Path g = dir.resolve("gpt2");
        WeightMap gpt2 = WeightMap.of(Family.GPT2, WeightMapTest.gpt2Tiny());
        INDArray gp = random(gpt2.layout(), 17);
        HfCheckpoint.saveModel(g, gpt2, gp, 0, Safetensors.Dtype.F32, HfCheckpoint.DEFAULT_SHARD_BYTES);
        List<Safetensors.Source> sources = new ArrayList<>();
        for (WeightMap.Part part : gpt2.parts()) {
            sources.add(new Safetensors.Source(part.hf(), part.hfShape(), gp,
                    gpt2.layout().get(part.internal()).offset(), part.transposed()));
        }
        sources.add(new Safetensors.Source("lm_head.weight", new long[] {11, 4}, random(gpt2.layout(), 18), 0));
        Safetensors.write(g.resolve(HfCheckpoint.MODEL), sources, Map.of());
        IOException head = assertThrows(IOException.class,
                () -> HfCheckpoint.load(g, gpt2, gpt2.layout(), Nd4j.zeros(DataType.FLOAT, gpt2.layout().size())));
        assertTrue(head.getMessage().contains("lm_head.weight differs from wte.weight"), head.getMessage());
    }
}
