package ai.stratum.hf;

import ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson;
import ai.stratum.model.Decoder;
import ai.stratum.train.DecoderModel;
import ai.stratum.train.LoraModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checkpoints and adapters written by the real {@code transformers} / {@code peft} ({@code hf-interop/}, made by
 * {@code scripts/golden/hf_interop.py} from random weights; the versions are in its header) load through
 * Stratum's import and give the logits {@code transformers} computed, base and base + adapter, unmerged and merged;
 * {@link HfExport} writes them back with the same tensors, names and config values, and
 * {@link PeftAdapter#save} writes the adapter back with the same tensors and settings.
 *
 * <p>Run with {@code -Dstratum.hfInterop.exportDir=DIR} it also leaves its exports in {@code DIR}, for
 * {@code hf_interop.py --check-export DIR} to load them in {@code transformers} / {@code peft} (not on CI: the
 * libraries are not there); with {@code -Dstratum.hfInterop.fixtures=DIR} it reads fixtures that
 * {@code hf_interop.py DIR} wrote with other library versions.
 */
class HfInteropTest {

    /** float32 weights, float32 math in another summation order. */
    static final double F32 = 1e-4;
    /** Every weight rounded to bfloat16 (8 significant bits): these fixtures' logits move by up to 7%. */
    static final double BF16 = 0.15;

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** The committed fixtures, or those in {@code -Dstratum.hfInterop.fixtures=DIR} (another library version's). */
    static Path fixture(String name) {
        String root = System.getProperty("stratum.hfInterop.fixtures");
        if (root != null) {
            return Path.of(root, name);
        }
        try {
            var url = HfInteropTest.class.getResource("/hf-interop/" + name);
            assertNotNull(url, "hf-interop/" + name + " is missing: run scripts/golden/hf_interop.py");
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** tokens [T] and the two [T, V] logits of golden.safetensors. */
    record Golden(int[] tokens, INDArray base, INDArray adapter) {
        static Golden of(Path dir) throws IOException {
            Safetensors.Header h = Safetensors.readHeader(dir.resolve("golden.safetensors"));
            long[] tShape = h.tensors().get("tokens").shape();
            INDArray t = Nd4j.zeros(DataType.FLOAT, tShape[0]);
            Safetensors.readInto(h, "tokens", tShape, t, 0);
            long[] shape = h.tensors().get("logits_base").shape();
            INDArray base = Nd4j.zeros(DataType.FLOAT, shape);
            INDArray adapter = Nd4j.zeros(DataType.FLOAT, shape);
            Safetensors.readInto(h, "logits_base", shape, base.reshape(base.length()), 0);
            Safetensors.readInto(h, "logits_adapter", shape, adapter.reshape(adapter.length()), 0);
            return new Golden(Arrays.stream(t.toDoubleVector()).mapToInt(f -> (int) f).toArray(), base, adapter);
        }
    }

    static Path exportDir(String name) throws IOException {
        String dir = System.getProperty("stratum.hfInterop.exportDir");
        return dir == null ? null : Files.createDirectories(Path.of(dir)).resolve(name);
    }

    /** Max over logits of |actual - expected| / max(|expected|, 1). */
    static double error(INDArray actual, INDArray expected) {
        float[] a = actual.dup('c').reshape(actual.length()).toFloatVector();
        float[] e = expected.dup('c').reshape(expected.length()).toFloatVector();
        assertEquals(e.length, a.length, "logits length");
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - e[i]) / Math.max(Math.abs(e[i]), 1.0));
        }
        return worst;
    }

    static void assertLogits(Decoder model, Golden g, INDArray expected, double tolerance, String what) {
        model.forward(g.tokens(), null, 1, g.tokens().length, false, 0);
        double err = error(model.logits().reshape(expected.shape()), expected);
        assertTrue(err <= tolerance, what + ": logits differ from transformers' by " + err + " > " + tolerance);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "mistral", "qwen2", "qwen3"})
    void transformersCheckpointsAndPeftAdaptersGiveTheirLogits(String name) throws IOException {
        Path dir = fixture(name);
        Path model = dir.resolve("model");
        Path adapter = dir.resolve("adapter");
        Golden g = Golden.of(dir);
        int t = g.tokens().length;
        // the golden logits are float32 math on the stored weights (bf16 ones widened exactly)
        try (Decoder base = DecoderModel.load(model, 1, t)) {
            assertLogits(base, g, g.base(), F32, name + " base");
        }
        try (LoraModel adapted = LoraModel.open(model, adapter, 1, t)) {
            assertLogits(adapted.base(), g, g.adapter(), F32, name + " base + adapter");
            // saved again: the same tensors under the same names, and the settings that change the result
            Path resaved = exportDir(name + "-adapter") != null ? exportDir(name + "-adapter") : tmp.resolve("ad");
            PeftAdapter.save(resaved, adapted.adapters(), "hf-interop/" + name);
            assertSameTensors(adapter.resolve(PeftAdapter.WEIGHTS), resaved.resolve(PeftAdapter.WEIGHTS), false);
            JsonNode theirs = JSON.readTree(adapter.resolve(PeftAdapter.CONFIG).toFile());
            JsonNode ours = JSON.readTree(resaved.resolve(PeftAdapter.CONFIG).toFile());
            for (String key : List.of("peft_type", "task_type", "r", "lora_alpha", "use_rslora", "rank_pattern",
                    "alpha_pattern", "fan_in_fan_out", "bias", "use_dora", "base_model_name_or_path")) {
                assertEquals(theirs.get(key), ours.get(key), name + " adapter_config.json key " + key);
            }
            assertEquals(set(theirs.get("target_modules")), set(ours.get("target_modules")), "target_modules");
            assertEquals(PeftAdapter.readConfig(adapter), PeftAdapter.readConfig(resaved));
        }
        Path merged = exportDir(name + "-merged") != null ? exportDir(name + "-merged") : tmp.resolve("merged");
        LoraModel.merge(model, adapter, merged);
        try (Decoder m = DecoderModel.load(merged, 1, t)) {
            assertLogits(m, g, g.adapter(), F32, name + " merged");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "mistral", "qwen2", "qwen3"})
    void aFinetuneBaseLoadsThemAndGrowsTheVocabularyWithoutChangingTheirLogits(String name) throws IOException {
        Path dir = fixture(name);
        Golden g = Golden.of(dir);
        int t = g.tokens().length;
        // finetune --base needs a tokenizer; a byte-level one (256 ids + the chat template's specials) grows the
        // 48-row vocabulary, and the stored rows' logits stay transformers'
        Path base = Files.createDirectories(tmp.resolve("base"));
        try (var files = Files.list(dir.resolve("model"))) {
            for (Path f : files.toList()) {
                Files.copy(f, base.resolve(f.getFileName()));
            }
        }
        ByteLevelTokenizerJson.write(base.resolve("tokenizer.json"), List.of("<|endoftext|>"));
        BaseModel bm = BaseModel.open(base, List.of("<|user|>", "<|assistant|>"));
        assertTrue(bm.vocabularyGrows(), "the byte-level tokenizer is larger than the model's 48 rows");
        try (Decoder d = bm.load(1, t, DataType.FLOAT, false)) {
            d.forward(g.tokens(), null, 1, t, false, 0);
            INDArray stored = d.logits().reshape(t, bm.config().vocabSize())
                    .get(NDArrayIndex.all(), NDArrayIndex.interval(0, bm.stored().vocabSize()));
            double err = error(stored, g.base());
            assertTrue(err <= F32, name + " via BaseModel: logits differ from transformers' by " + err);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "mistral", "qwen2", "qwen3"})
    void exportsHoldTheTensorsAndConfigTransformersReads(String name) throws IOException {
        Path dir = fixture(name);
        Path model = dir.resolve("model");
        Golden g = Golden.of(dir);
        int t = g.tokens().length;
        JsonNode theirs = JSON.readTree(model.resolve(HfConfig.FILE).toFile());
        boolean storedBf16 = "bfloat16".equals(theirs.path("dtype").asText(theirs.path("torch_dtype").asText()));
        for (Safetensors.Dtype dtype : new Safetensors.Dtype[] {Safetensors.Dtype.F32, Safetensors.Dtype.BF16}) {
            String kind = dtype == Safetensors.Dtype.F32 ? "f32" : "bf16";
            Path out = exportDir(name + "-" + kind) != null ? exportDir(name + "-" + kind) : tmp.resolve(kind);
            HfExport.export(model, out, dtype, HfCheckpoint.DEFAULT_SHARD_BYTES);
            // every tensor is the stored one, or in bf16 the stored one rounded to nearest even as torch rounds it
            assertSameTensors(model, out, dtype == Safetensors.Dtype.BF16);
            JsonNode ours = JSON.readTree(out.resolve(HfConfig.FILE).toFile());
            assertSameConfig(theirs, ours, name);
            assertEquals(dtype.torchName(), ours.path("torch_dtype").asText(), "torch_dtype");
            // bf16 rounding of these large random weights moves the logits by a few percent (hf_interop.py
            // --check-export compares the bf16 export with transformers on the rounded weights at F32)
            try (Decoder exported = DecoderModel.load(out, 1, t)) {
                assertLogits(exported, g, g.base(), dtype == Safetensors.Dtype.F32 || storedBf16 ? F32 : BF16,
                        name + " exported " + kind);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void theByteLevelTokenizerHasEveryFieldHuggingFaceTokenizersRequires() throws IOException {
        // tokenizers' serde has no defaults for these: a file without them fails AutoTokenizer ("missing field
        // `single_word`", then "`trim_offsets`"); hf_interop.py --check-export loads this file with tokenizers
        Path dir = exportDir("byte-level-tokenizer") != null ? Files.createDirectories(
                exportDir("byte-level-tokenizer")) : tmp;
        JsonNode t = JSON.readTree(TokenizerFiles.writeByteLevel(dir.resolve("tokenizer.json")).toFile());
        for (JsonNode added : t.get("added_tokens")) {
            for (String key : List.of("id", "content", "single_word", "lstrip", "rstrip", "normalized", "special")) {
                assertTrue(added.has(key), "added token without '" + key + "': " + added);
            }
        }
        for (String part : List.of("pre_tokenizer", "decoder")) {
            for (String key : List.of("type", "add_prefix_space", "trim_offsets", "use_regex")) {
                assertTrue(t.get(part).has(key), part + " without '" + key + "'");
            }
        }
        ai.stratum.tokenizer.Tokenizer tok = ai.stratum.tokenizer.Tokenizer.load(dir.resolve("tokenizer.json"));
        assertArrayEquals(new int[] {104, 105, 32, 195, 182, 256}, tok.encode("hi \u00f6<|endoftext|>",
                java.util.Set.of("<|endoftext|>")));
    }

    /** The config values transformers builds the model from: equal, or equal after 4.x/5.x renames. */
    static void assertSameConfig(JsonNode theirs, JsonNode ours, String name) {
        for (String key : List.of("architectures", "model_type", "vocab_size", "hidden_size", "intermediate_size",
                "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "hidden_act",
                "max_position_embeddings", "rms_norm_eps", "attention_bias", "mlp_bias", "sliding_window",
                "use_sliding_window", "tie_word_embeddings", "bos_token_id", "eos_token_id", "n_embd", "n_layer",
                "n_head", "n_inner", "n_positions", "layer_norm_epsilon", "activation_function",
                "scale_attn_weights", "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn")) {
            if (theirs.has(key) && !(key.equals("head_dim") && theirs.get(key).isNull())) {
                JsonNode a = theirs.get(key);
                JsonNode b = ours.get(key);
                boolean equal = a.isNumber() && b != null && b.isNumber() ? a.asDouble() == b.asDouble() : a.equals(b);
                assertTrue(equal, name + " config.json key " + key + ": transformers wrote " + a + ", export wrote "
                        + b);
            }
        }
        if (!theirs.path("model_type").asText().equals("gpt2")) {
            assertEquals(rope(theirs), rope(ours), name + " RoPE settings");
        }
    }

    /** RoPE as one map whichever way it is written (rope_theta + rope_scaling, or rope_parameters). */
    static Map<String, Double> rope(JsonNode c) {
        Map<String, Double> out = new TreeMap<>();
        JsonNode p = c.has("rope_parameters") && !c.get("rope_parameters").isNull() ? c.get("rope_parameters")
                : c.path("rope_scaling");
        out.put("rope_theta", p.has("rope_theta") ? p.get("rope_theta").asDouble() : c.path("rope_theta").asDouble());
        String type = p.has("rope_type") ? p.get("rope_type").asText() : p.path("type").asText("default");
        out.put("type:" + type, 1.0);
        for (var it = p.fields(); it.hasNext(); ) {
            var f = it.next();
            if (f.getValue().isNumber() && !f.getKey().equals("rope_theta")) {
                out.put(f.getKey(), f.getValue().asDouble());
            }
        }
        return out;
    }

    static Set<String> set(JsonNode array) {
        Set<String> s = new TreeSet<>();
        array.forEach(n -> s.add(n.asText()));
        return s;
    }

    /**
     * Same tensor names and shapes in two weight sets (a model directory, sharded or not, or one safetensors
     * file), and the same values, or with {@code bf16} the expected values rounded to bfloat16.
     */
    static void assertSameTensors(Path expected, Path actual, boolean bf16) throws IOException {
        Map<String, String> e = names(expected);
        Map<String, String> a = names(actual);
        assertEquals(e.keySet(), a.keySet(), "tensor names of " + actual);
        Map<String, Safetensors.Header> eh = headers(expected);
        Map<String, Safetensors.Header> ah = headers(actual);
        for (String n : e.keySet()) {
            String en = e.get(n);
            String an = a.get(n);
            long[] shape = eh.get(en).tensors().get(en).shape();
            assertArrayEquals(shape, ah.get(an).tensors().get(an).shape(), "shape of " + n);
            long len = Arrays.stream(shape).reduce(1, (x, y) -> x * y);
            INDArray x = Nd4j.zeros(DataType.FLOAT, len);
            INDArray y = Nd4j.zeros(DataType.FLOAT, len);
            Safetensors.readInto(eh.get(en), en, shape, x, 0);
            Safetensors.readInto(ah.get(an), an, shape, y, 0);
            float[] want = x.toFloatVector();
            if (bf16) {
                for (int i = 0; i < want.length; i++) {
                    want[i] = roundToBf16(want[i]);
                }
            }
            assertArrayEquals(want, y.toFloatVector(), n + " in " + actual);
        }
    }

    /** float32 to the nearest bfloat16 (ties to even), as {@code torch.Tensor.to(torch.bfloat16)}; finite input. */
    static float roundToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xFFFF0000);
    }

    /**
     * The stored names by the name GPT2LMHeadModel resolves them to: save_pretrained writes
     * {@code transformer.h.0...}, the hub's openai-community/gpt2 (and Stratum's export) {@code h.0...}, and
     * transformers loads both (checked by {@code hf_interop.py --check-export}).
     */
    private static Map<String, String> names(Path p) throws IOException {
        Map<String, String> m = new TreeMap<>();
        for (String n : headers(p).keySet()) {
            String key = n.startsWith("transformer.") ? n.substring("transformer.".length()) : n;
            assertEquals(null, m.put(key, n), "stored twice: " + key);
        }
        return m;
    }

    private static Map<String, Safetensors.Header> headers(Path p) throws IOException {
        if (Files.isRegularFile(p)) {
            Safetensors.Header h = Safetensors.readHeader(p);
            Map<String, Safetensors.Header> m = new TreeMap<>();
            h.tensors().keySet().forEach(n -> m.put(n, h));
            return m;
        }
        return new TreeMap<>(HfCheckpoint.open(p).byTensor());
    }
}
