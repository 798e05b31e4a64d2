package ai.stratum.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.stratum.fixtures.text.MultilingualText;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SentencePiece-style tokenizer.json files written here (a small vocab learned by a naive BPE below: characters,
 * {@code <0xXX>} byte tokens, merges) with every normalizer, pre-tokenizer, decoder, post-processor and
 * added-token flag stratum reads, each compared with Hugging Face's Rust {@code tokenizers} (DJL) on
 * multilingual text, code, emoji and whitespace runs.
 */
class PipelineVsHfTest {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String SPACE = "\u2581";
    @TempDir
    static Path dir;
    static Map<String, Integer> vocab;
    static List<String[]> merges;
    static List<String> texts;

    @BeforeAll
    static void learnVocab() {
        MultilingualText gen = MultilingualText.seeded(5);
        texts = new ArrayList<>(gen.documents(60, 800));
        for (int i = 0; i < 20; i++) {
            texts.add(gen.randomCodePoints(5 + i * 13));
        }
        texts.addAll(HfExactnessTest.edgeTexts());
        texts.add("hello Hello HELLO hellos shello <tool> x<tool>y  <tool>  z   <tool>\n w hello\thello.hello");
        texts.add("  Ünïcödé  ﬁne ＡＢＣ ① ²  \t");
        texts.add("<s>hello</s> world<s> x</s>\n<s>  two spaces</s>");
        // Characters seen at least 3 times in half the texts; everything else falls back to bytes.
        Map<String, Integer> charCounts = new TreeMap<>();
        List<List<String>> words = new ArrayList<>();
        for (String t : texts.subList(0, 30)) {
            for (String w : (SPACE + t.replace(" ", SPACE)).split("(?=" + SPACE + ")")) {
                List<String> symbols = new ArrayList<>();
                w.codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
                symbols.forEach(c -> charCounts.merge(c, 1, Integer::sum));
                words.add(symbols);
            }
        }
        vocab = new LinkedHashMap<>();
        for (String special : List.of("<unk>", "<s>", "</s>")) {
            vocab.put(special, vocab.size());
        }
        for (int b = 0; b < 256; b++) {
            vocab.put(String.format("<0x%02X>", b), vocab.size());
        }
        charCounts.forEach((c, n) -> {
            if (n >= 3) {
                vocab.put(c, vocab.size());
            }
        });
        merges = naiveBpe(words, 400);
    }

    /**
     * minbpe's loop, naively: count adjacent pairs of known symbols over all words, merge the most frequent
     * (ties: the smaller pair string), repeat.
     */
    static List<String[]> naiveBpe(List<List<String>> words, int count) {
        List<String[]> learned = new ArrayList<>();
        for (int m = 0; m < count; m++) {
            Map<String, Integer> pairs = new HashMap<>();
            for (List<String> w : words) {
                for (int i = 0; i + 1 < w.size(); i++) {
                    if (vocab.containsKey(w.get(i)) && vocab.containsKey(w.get(i + 1))) {
                        pairs.merge(w.get(i) + "\u0000" + w.get(i + 1), 1, Integer::sum);
                    }
                }
            }
            String best = null;
            for (Map.Entry<String, Integer> e : pairs.entrySet()) {
                if (best == null || e.getValue() > pairs.get(best) || (e.getValue().equals(pairs.get(best)) && e.getKey().compareTo(best) < 0)) {
                    best = e.getKey();
                }
            }
            if (best == null) {
                break;
            }
            String[] pair = best.split("\u0000");
            String merged = pair[0] + pair[1];
            if (vocab.containsKey(merged)) {
                break;
            }
            vocab.put(merged, vocab.size());
            learned.add(pair);
            for (List<String> w : words) {
                for (int i = 0; i + 1 < w.size(); i++) {
                    if (w.get(i).equals(pair[0]) && w.get(i + 1).equals(pair[1])) {
                        w.set(i, merged);
                        w.remove(i + 1);
                    }
                }
            }
        }
        return learned;
    }

    static ObjectNode base(boolean byteFallback, boolean fuseUnk) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String special : List.of("<unk>", "<s>", "</s>")) {
            added.addObject().put("id", vocab.get(special)).put("content", special).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout");
        model.put("unk_token", "<unk>").put("fuse_unk", fuseUnk).put("byte_fallback", byteFallback).put("ignore_merges", false);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        ArrayNode m = model.putArray("merges");
        merges.forEach(p -> m.addArray().add(p[0]).add(p[1]));
        return root;
    }

    static ObjectNode obj(String type) {
        return MAPPER.createObjectNode().put("type", type);
    }

    static ObjectNode bos() {
        ObjectNode post = obj("TemplateProcessing");
        post.putArray("single").add(MAPPER.createObjectNode().set("SpecialToken", MAPPER.createObjectNode().put("id", "<s>").put("type_id", 0)))
                .add(MAPPER.createObjectNode().set("Sequence", MAPPER.createObjectNode().put("id", "A").put("type_id", 0)));
        post.putArray("pair").add(MAPPER.createObjectNode().set("Sequence", MAPPER.createObjectNode().put("id", "A").put("type_id", 0)));
        ObjectNode s = post.putObject("special_tokens").putObject("<s>");
        s.put("id", "<s>");
        s.putArray("ids").add(vocab.get("<s>"));
        s.putArray("tokens").add("<s>");
        return post;
    }

    static ObjectNode replace(String type, String from, String to) {
        ObjectNode r = obj(type);
        r.putObject("pattern").put("String", from);
        r.put("content", to);
        return r;
    }

    /** Llama 2 as Hugging Face converts it (legacy): Prepend + Replace normalizers, no pre-tokenizer, BOS template. */
    static ObjectNode llama2Legacy() {
        ObjectNode root = base(true, true);
        ObjectNode norm = obj("Sequence");
        norm.putArray("normalizers").add(obj("Prepend").put("prepend", SPACE)).add(replace("Replace", " ", SPACE));
        root.set("normalizer", norm);
        root.putNull("pre_tokenizer");
        root.set("post_processor", bos());
        ObjectNode dec = obj("Sequence");
        dec.putArray("decoders").add(replace("Replace", SPACE, " ")).add(obj("ByteFallback")).add(obj("Fuse"))
                .add(obj("Strip").put("content", " ").put("start", 1).put("stop", 0));
        root.set("decoder", dec);
        return root;
    }

    /** Mistral-like: Metaspace pre-tokenizer with prepend_scheme first (prefix only at the text's start), no split. */
    static ObjectNode metaspaceFirst() {
        ObjectNode root = base(true, false);
        root.putNull("normalizer");
        root.set("pre_tokenizer", obj("Metaspace").put("replacement", SPACE).put("prepend_scheme", "first").put("split", false));
        ObjectNode post = obj("Sequence"); // as Llama 3.1's files: ByteLevel (offsets only) then the BOS template
        post.putArray("processors").add(obj("ByteLevel").put("add_prefix_space", true).put("trim_offsets", false)
                .put("use_regex", true)).add(bos());
        root.set("post_processor", post);
        ObjectNode dec = obj("Sequence");
        dec.putArray("decoders").add(obj("Metaspace").put("replacement", SPACE).put("prepend_scheme", "first").put("split", false))
                .add(obj("ByteFallback")).add(obj("Fuse"));
        root.set("decoder", dec);
        return root;
    }

    /** Every other component: NFKC, Lowercase, Strip; Digits, Punctuation, Metaspace split; flagged added tokens. */
    static ObjectNode everything() {
        ObjectNode root = base(false, true);
        ArrayNode added = (ArrayNode) root.get("added_tokens");
        added.addObject().put("id", vocab.size()).put("content", "<tool>").put("single_word", false).put("lstrip", true)
                .put("rstrip", true).put("normalized", false).put("special", true);
        added.addObject().put("id", vocab.size() + 1).put("content", "hello").put("single_word", true).put("lstrip", false)
                .put("rstrip", false).put("normalized", true).put("special", false);
        ObjectNode norm = obj("Sequence");
        norm.putArray("normalizers").add(obj("NFKC")).add(obj("Lowercase"))
                .add(obj("Strip").put("strip_left", true).put("strip_right", true));
        root.set("normalizer", norm);
        ObjectNode pre = obj("Sequence");
        pre.putArray("pretokenizers").add(obj("Digits").put("individual_digits", true))
                .add(obj("Punctuation").put("behavior", "Contiguous"))
                .add(obj("Metaspace").put("replacement", SPACE).put("prepend_scheme", "always").put("split", true));
        root.set("pre_tokenizer", pre);
        root.putNull("post_processor");
        ObjectNode dec = obj("Sequence");
        dec.putArray("decoders").add(obj("Metaspace").put("replacement", SPACE).put("prepend_scheme", "always").put("split", true));
        root.set("decoder", dec);
        return root;
    }

    /** Splits of every behaviour, string and regex patterns, invert; whitespace pre-tokenizers; NFD; no decoder. */
    static ObjectNode splits() {
        ObjectNode root = base(true, false);
        root.set("normalizer", obj("NFD"));
        ObjectNode pre = obj("Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        ObjectNode a = obj("Split").put("behavior", "MergedWithPrevious").put("invert", false);
        a.putObject("pattern").put("String", ",");
        ObjectNode b = obj("Split").put("behavior", "MergedWithNext").put("invert", false);
        b.putObject("pattern").put("Regex", "[.!?]+");
        ObjectNode c = obj("Split").put("behavior", "Removed").put("invert", true);
        c.putObject("pattern").put("Regex", "\\w+|[^\\w\\s]+|\\s+");
        ObjectNode d = obj("Split").put("behavior", "Contiguous").put("invert", false);
        d.putObject("pattern").put("Regex", "\\p{N}");
        steps.add(a).add(b).add(c).add(d).add(obj("WhitespaceSplit")).add(obj("Whitespace"));
        root.set("pre_tokenizer", pre);
        root.putNull("post_processor");
        root.putNull("decoder");
        return root;
    }

    /** ByteLevel with add_prefix_space (each piece between added tokens gets a space) and no regex after a Split. */
    static ObjectNode byteLevelPrefixSpace() {
        ObjectNode root = base(true, false);
        root.putNull("normalizer");
        ObjectNode pre = obj("Sequence");
        ObjectNode split = obj("Split").put("behavior", "Isolated").put("invert", false);
        split.putObject("pattern").put("Regex", "\\p{N}{1,2}| ?\\p{L}+|\\s+");
        pre.putArray("pretokenizers").add(split)
                .add(obj("ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true));
        root.set("pre_tokenizer", pre);
        root.set("post_processor", obj("ByteLevel").put("add_prefix_space", true).put("trim_offsets", false).put("use_regex", true));
        root.set("decoder", obj("ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true));
        return root;
    }

    @Test
    void byteLevelWithPrefixSpaceAfterASplit() throws IOException {
        compare("bytelevel-prefix", byteLevelPrefixSpace(), false);
    }

    void compare(String name, ObjectNode json, boolean roundTrip) throws IOException {
        Path file = dir.resolve(name + ".json");
        MAPPER.writeValue(file.toFile(), json);
        Tokenizer ours = Tokenizer.load(file);
        Path saved = dir.resolve(name + "-saved.json");
        ours.save(saved);
        Tokenizer reloaded = Tokenizer.load(saved);
        assertEquals(ours.fingerprint(), reloaded.fingerprint(), name + ": save and load changed the tokenizer");
        try (HfReference hf = new HfReference(file); HfReference hfSaved = new HfReference(saved)) {
            for (String text : texts) {
                int[] expected = hf.encode(text, true);
                HfExactnessTest.assertSameIds(name, ours, text, expected, ours.encode(text, ours.specialTokens().keySet(), true));
                HfExactnessTest.assertSameIds(name + " (saved)", ours, text, hfSaved.encode(text, true),
                        reloaded.encode(text, reloaded.specialTokens().keySet(), true));
                assertEquals(hf.decode(expected, false), ours.decode(expected), name + ": decode differs for '" + text + "'");
                assertEquals(hf.decode(expected, true), ours.decode(expected, true), name + ": decode(skip) differs");
                for (int cut = 1; cut < expected.length; cut += 23) { // prefixes may cut a character's byte tokens
                    int[] prefix = java.util.Arrays.copyOf(expected, cut);
                    assertEquals(hf.decode(prefix, false), ours.decode(prefix), name + ": decode of a prefix differs");
                }
                if (roundTrip) {
                    assertEquals(text, ours.decode(ours.encodeOrdinary(text)), name + ": no round trip");
                }
            }
        }
    }

    @Test
    void llama2LegacyStyle() throws IOException {
        compare("llama2", llama2Legacy(), false);
    }

    @Test
    void metaspacePrependFirst() throws IOException {
        compare("metaspace-first", metaspaceFirst(), false);
    }

    @Test
    void everyNormalizerAndAddedTokenFlag() throws IOException {
        compare("everything", everything(), false);
    }

    @Test
    void splitBehaviours() throws IOException {
        compare("splits", splits(), false);
    }
}
