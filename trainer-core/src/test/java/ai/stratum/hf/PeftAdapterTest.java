package ai.stratum.hf;

import ai.stratum.model.ModelConfig;
import ai.stratum.model.lora.LoraAdapters;
import ai.stratum.model.lora.LoraConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PeftAdapterTest {

    @TempDir
    Path dir;

    static final ModelConfig BASE = ModelConfig.gpt2(20, 8, 2, 2, 8, 0.0);
    static final ModelConfig LLAMA = ModelConfig.llama(20, 8, 2, 4, 2, 8, 12, 1e-5, 10000, false);

    static LoraAdapters adapters(int r) {
        LoraAdapters a = new LoraAdapters(new LoraConfig(r, 16, 0.05, List.of("c_attn", "mlp.c_proj")), BASE,
                DataType.FLOAT, 4);
        a.init(3);
        a.params().addi(0.25); // B nonzero too, so the round trip is checked on every tensor
        return a;
    }

    @Test
    void roundTripKeepsEveryValueAndWritesPeftNames() throws IOException {
        LoraAdapters saved = adapters(4);
        PeftAdapter.save(dir, saved, "runs/base/checkpoints/step-10");
        LoraAdapters loaded = PeftAdapter.load(dir, BASE, DataType.FLOAT, 4);
        assertEquals(saved.config(), loaded.config());
        assertArrayEquals(saved.params().toFloatVector(), loaded.params().toFloatVector());

        JsonNode cfg = new ObjectMapper().readTree(dir.resolve(PeftAdapter.CONFIG).toFile());
        assertEquals("LORA", cfg.get("peft_type").asText());
        assertEquals(4, cfg.get("r").asInt());
        assertEquals(16.0, cfg.get("lora_alpha").asDouble());
        assertTrue(cfg.get("fan_in_fan_out").asBoolean(), "GPT-2's Conv1D needs fan_in_fan_out");
        var header = Safetensors.readHeader(dir.resolve(PeftAdapter.WEIGHTS));
        var a = header.get("base_model.model.transformer.h.1.attn.c_attn.lora_A.weight");
        assertArrayEquals(new long[] {4, 8}, a.shape());
        var b = header.get("base_model.model.transformer.h.0.mlp.c_proj.lora_B.weight");
        assertArrayEquals(new long[] {8, 4}, b.shape());
        assertEquals(8, header.tensors().size());
    }

    @Test
    void aLlamaAdapterHasOnePeftTensorPairPerProjectionAndNoFanInFanOut() throws IOException {
        LoraAdapters saved = new LoraAdapters(new LoraConfig(2, 4, 0.0, List.of("q_proj", "v_proj", "up_proj")),
                LLAMA, DataType.FLOAT, 4);
        saved.init(5);
        saved.params().addi(0.5);
        PeftAdapter.save(dir, saved, "base");
        JsonNode cfg = new ObjectMapper().readTree(dir.resolve(PeftAdapter.CONFIG).toFile());
        assertFalse(cfg.get("fan_in_fan_out").asBoolean(), "nn.Linear weights are [out, in]");
        var header = Safetensors.readHeader(dir.resolve(PeftAdapter.WEIGHTS));
        assertArrayEquals(new long[] {4, 2}, header.get("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight")
                .shape(), "v_proj's B covers the 2 kv heads of 2");
        assertArrayEquals(new long[] {2, 8}, header.get("base_model.model.model.layers.0.mlp.up_proj.lora_A.weight")
                .shape());
        assertEquals(12, header.tensors().size());
        LoraAdapters loaded = PeftAdapter.load(dir, LLAMA, DataType.FLOAT, 4);
        assertArrayEquals(saved.params().toFloatVector(), loaded.params().toFloatVector());
    }

    @Test
    void savedAdapterSizeIsProportionalToRank() throws IOException {
        long[] bytes = new long[3];
        int[] ranks = {2, 4, 8};
        for (int i = 0; i < ranks.length; i++) {
            Path d = dir.resolve("r" + ranks[i]);
            PeftAdapter.save(d, adapters(ranks[i]), "base");
            var h = Safetensors.readHeader(d.resolve(PeftAdapter.WEIGHTS));
            bytes[i] = h.tensors().values().stream().mapToLong(e -> e.end() - e.begin()).sum();
        }
        assertEquals(2 * bytes[0], bytes[1]);
        assertEquals(4 * bytes[0], bytes[2]);
    }

    @Test
    void badAdapterDirectoriesAreClearErrors() throws IOException {
        var e = assertThrows(IOException.class, () -> PeftAdapter.readConfig(dir));
        assertTrue(e.getMessage().contains(PeftAdapter.CONFIG), e.getMessage());

        Files.writeString(dir.resolve(PeftAdapter.CONFIG), "{\"peft_type\": \"PREFIX_TUNING\"}");
        e = assertThrows(IOException.class, () -> PeftAdapter.readConfig(dir));
        assertTrue(e.getMessage().contains("only LORA"), e.getMessage());

        Files.writeString(dir.resolve(PeftAdapter.CONFIG),
                "{\"peft_type\": \"LORA\", \"r\": 0, \"lora_alpha\": 8, \"target_modules\": [\"c_attn\"]}");
        e = assertThrows(IOException.class, () -> PeftAdapter.readConfig(dir));
        assertTrue(e.getMessage().contains("r: must be at least 1"), e.getMessage());

        PeftAdapter.save(dir, adapters(2), "base");
        ModelConfig other = ModelConfig.gpt2(20, 8, 2, 2, 16, 0.0);
        e = assertThrows(IOException.class, () -> PeftAdapter.load(dir, other, DataType.FLOAT, 4));
        assertTrue(e.getMessage().contains("shape"), e.getMessage());
    }

    void write(String json) throws IOException {
        Files.writeString(dir.resolve(PeftAdapter.CONFIG), json);
    }

    @Test
    void rsLoraAndRankAndAlphaPatternsFollowPeftsMatching() throws IOException {
        // PEFT's get_pattern_key: the first key p (in file order) whose regex (.*\.)?(p) matches the full path
        write("""
                {"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": ["c_attn", "c_proj"],
                 "use_rslora": true, "fan_in_fan_out": true,
                 "rank_pattern": {"h.1.attn.c_attn": 2, "c_proj": 6, "h\\\\.\\\\d+\\\\.attn\\\\.c_attn": 3},
                 "alpha_pattern": {"mlp.c_proj": 32}}
                """);
        LoraConfig c = PeftAdapter.readConfig(dir);
        assertTrue(c.useRslora());
        assertEquals(2, c.rank("transformer.h.1.attn.c_attn"), "the first matching key wins");
        assertEquals(3, c.rank("transformer.h.0.attn.c_attn"), "a regular expression key");
        assertEquals(6, c.rank("transformer.h.0.attn.c_proj"));
        assertEquals(4, c.rank("transformer.h.0.mlp.c_fc"), "no key matches: r");
        assertEquals(4, c.rank("transformer.h.0.attn.xc_proj"), "a key matches whole path segments only");
        assertEquals(32.0, c.alpha("transformer.h.0.mlp.c_proj"));
        assertEquals(8.0, c.alpha("transformer.h.0.attn.c_proj"));
        assertEquals(8 / Math.sqrt(2), c.scale("transformer.h.1.attn.c_attn"), 1e-12, "rsLoRA: alpha / sqrt(r)");
        assertEquals(32 / Math.sqrt(6), c.scale("transformer.h.1.mlp.c_proj"), 1e-12);

        // the adapters take each module's rank and scale
        LoraAdapters a = new LoraAdapters(c, BASE, DataType.FLOAT, 4);
        assertEquals(2, a.adapter("layers.1.attn.qkv").rank());
        assertEquals(3, a.adapter("layers.0.attn.qkv").rank());
        assertEquals(6, a.adapter("layers.0.mlp.proj").rank());
        assertEquals(32 / Math.sqrt(6), a.adapter("layers.0.mlp.proj").scale(), 1e-12);
        assertEquals(8 / Math.sqrt(6), a.adapter("layers.0.attn.proj").scale(), 1e-12);
        assertArrayEquals(new long[] {3, 8}, a.layout().get("layers.0.attn.qkv.lora_A.weight").shape());

        // written back with the same keys in the same order, and loaded into the same shapes
        a.init(5);
        a.params().addi(0.5);
        Path out = dir.resolve("out");
        PeftAdapter.save(out, a, "base");
        JsonNode cfg = new ObjectMapper().readTree(out.resolve(PeftAdapter.CONFIG).toFile());
        assertTrue(cfg.get("use_rslora").asBoolean());
        assertEquals(List.of("h.1.attn.c_attn", "c_proj", "h\\.\\d+\\.attn\\.c_attn"),
                iterable(cfg.get("rank_pattern").fieldNames()));
        LoraAdapters back = PeftAdapter.load(out, BASE, DataType.FLOAT, 4);
        assertEquals(c, back.config());
        assertArrayEquals(a.params().toFloatVector(), back.params().toFloatVector());
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void keysThatChangeTheAdapterAreRefusedByName() throws IOException {
        String base = "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"target_modules\": [\"c_attn\"], ";
        String[][] cases = {
            {"\"use_dora\": true}", "use_dora"},
            {"\"lora_bias\": true}", "lora_bias"},
            {"\"modules_to_save\": [\"lm_head\"]}", "modules_to_save"},
            {"\"layers_to_transform\": [0]}", "layers_to_transform"},
            {"\"layers_pattern\": \"h\"}", "layers_pattern"},
            {"\"bias\": \"all\"}", "bias"},
            {"\"init_lora_weights\": \"pissa\"}", "init_lora_weights"},
            {"\"exclude_modules\": [\"h.0.attn.c_attn\"]}", "exclude_modules"},
            {"\"rank_pattern\": {\"c_attn\": 2.5}}", "rank_pattern"},
            {"\"rank_pattern\": {\"c_at(tn\": 2}}", "rank_pattern"},
            {"\"new_peft_option\": 1}", "new_peft_option"},
        };
        for (String[] c : cases) {
            write(base + c[0]);
            IOException e = assertThrows(IOException.class, () -> PeftAdapter.readConfig(dir), c[0]);
            assertTrue(e.getMessage().startsWith(dir.resolve(PeftAdapter.CONFIG).toString())
                    && e.getMessage().contains(c[1]), e.getMessage());
        }
        write("{\"peft_type\": \"LORA\", \"target_modules\": \".*attn.*\"}");
        assertTrue(assertThrows(IOException.class, () -> PeftAdapter.readConfig(dir)).getMessage()
                .contains("target_modules"));
        // what PEFT itself writes for a fresh GPT-2 adapter is accepted: nulls, empties, falses, bookkeeping
        write(base + """
                "fan_in_fan_out": false, "init_lora_weights": true, "modules_to_save": null, "use_dora": false,
                "layers_to_transform": null, "layers_pattern": null, "rank_pattern": {}, "alpha_pattern": {},
                "megatron_config": null, "megatron_core": "megatron.core", "loftq_config": {}, "lora_bias": false,
                "revision": null, "auto_mapping": null, "inference_mode": true, "task_type": "CAUSAL_LM",
                "base_model_name_or_path": "gpt2", "exclude_modules": null, "runtime_config": {"ephemeral_gpu_offload": false}}
                """);
        assertEquals(new LoraConfig(2, 4, 0, List.of("c_attn")), PeftAdapter.readConfig(dir));
    }

    @Test
    void baseModelPathIsStoredAbsoluteAndNormalized() throws IOException {
        Path base = Files.createDirectories(dir.resolve("models/base"));
        String relative = Path.of("").toAbsolutePath().relativize(base.resolve("../base")).toString();
        PeftAdapter.save(dir.resolve("a"), adapters(2), relative);
        assertEquals(base.toAbsolutePath().normalize().toString(),
                PeftAdapter.baseModel(dir.resolve("a")).orElseThrow());
        PeftAdapter.save(dir.resolve("b"), adapters(2), "openai-community/gpt2-not-local");
        assertEquals("openai-community/gpt2-not-local", PeftAdapter.baseModel(dir.resolve("b")).orElseThrow(),
                "a name that is no local directory is kept as given");
    }

    /** The adapter sites (PEFT's module names, rows of the internal weights) agree with each family's weight table. */
    @Test
    void adapterSitesAreTheWeightTablesLinearParts() {
        List<WeightMap> maps = List.of(WeightMap.of(Family.GPT2, WeightMapTest.gpt2Tiny()),
                WeightMap.of(Family.LLAMA, WeightMapTest.llamaTiny()),
                WeightMap.of(Family.QWEN2, WeightMapTest.qwen2Tiny()),
                WeightMap.of(Family.QWEN3, WeightMapTest.qwen3Tiny()));
        for (WeightMap map : maps) {
            List<LoraAdapters.Site> sites = LoraAdapters.sites(map.config());
            long linears = map.parts().stream().filter(p -> p.hfShape().length == 2 && p.internal().startsWith("layers."))
                    .count();
            assertEquals(linears, sites.size(), map.family() + ": one site per linear weight");
            for (LoraAdapters.Site site : sites) {
                String hf = site.hfModule().startsWith("transformer.") ? site.hfModule().substring(12) : site.hfModule();
                WeightMap.Part p = map.part(hf + ".weight");
                assertTrue(p != null && p.internal().equals(site.module() + ".weight"), site.toString());
                long[] s = p.hfShape();
                if (p.transposed()) { // Conv1D [in, out], a whole module
                    assertArrayEquals(new long[] {site.in(), site.rowEnd()}, s, site.toString());
                    assertEquals(0, site.rowStart());
                } else {
                    assertArrayEquals(new long[] {site.rowEnd() - site.rowStart(), site.in()}, s, site.toString());
                    assertEquals((long) site.rowStart() * site.in(), p.elementOffset(), site.toString());
                }
            }
        }
    }

    @Test
    void allLinearAdaptsEveryProjectionOfEitherFamily() throws IOException {
        write("{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"target_modules\": \"all-linear\"}");
        LoraConfig c = PeftAdapter.readConfig(dir);
        // the one table of linear sites, both block shapes
        assertEquals(java.util.Arrays.stream(ai.stratum.model.lora.LinearSite.values())
                .map(ai.stratum.model.lora.LinearSite::peftName).toList(), c.targetModules());
        assertEquals(2 * 7, new LoraAdapters(c, LLAMA, DataType.FLOAT, 4).sites().size());
        assertEquals(2 * 4, new LoraAdapters(c, BASE, DataType.FLOAT, 4).sites().size());
    }
}
