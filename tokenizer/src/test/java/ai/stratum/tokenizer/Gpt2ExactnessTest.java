package ai.stratum.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.stratum.fixtures.text.MultilingualText;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With GPT-2's vocabulary, ids must equal JTokkit's r50k_base ids. The vocabulary reaches our tokenizer three
 * ways: from tiktoken ranks (merges recovered from ranks), through GPT-2's encoder.json + vocab.bpe written
 * from it, and through a tokenizer.json round trip; all three are compared with the reference.
 */
class Gpt2ExactnessTest {
    @TempDir
    static Path dir;
    static List<Tokenizer> loaded;

    @BeforeAll
    static void loadAllWays() {
        Tokenizer fromRanks = R50k.tokenizer();
        Path gpt2Dir = dir.resolve("gpt2");
        fromRanks.saveGpt2(gpt2Dir);
        Tokenizer fromGpt2Files = Tokenizer.gpt2(gpt2Dir.resolve("encoder.json"), gpt2Dir.resolve("vocab.bpe"));
        Path json = dir.resolve("tokenizer.json");
        fromGpt2Files.save(json);
        Tokenizer fromJson = Tokenizer.load(json);
        loaded = List.of(fromRanks, fromGpt2Files, fromJson, Tokenizer.load(gpt2Dir));
    }

    @Test
    void everyLoadingPathHasGpt2sShape() {
        for (Tokenizer t : loaded) {
            assertEquals(50257, t.vocabSize());
            assertEquals(50000, t.mergeCount());
            assertEquals(R50k.EOT, t.eotId());
            assertEquals(loaded.get(0).fingerprint(), t.fingerprint());
        }
    }

    @Test
    void knownIds() {
        // Ids a GPT-2 user knows by heart: "Hello" 15496, " world" 995.
        assertArrayEquals(new int[] {15496, 995}, loaded.get(2).encodeOrdinary("Hello world"));
    }

    @Test
    void generatedMultilingualTextMatchesJtokkit() {
        MultilingualText gen = MultilingualText.seeded(3);
        List<String> texts = new ArrayList<>(gen.documents(400, 1500));
        for (int i = 0; i < 100; i++) {
            texts.add(gen.randomCodePoints(1 + i * 7));
        }
        texts.addAll(edgeCases());
        for (String text : texts) {
            int[] expected = R50k.reference().encodeOrdinary(text).toArray();
            for (Tokenizer t : loaded) {
                int[] actual = t.encodeOrdinary(text);
                if (!Arrays.equals(expected, actual)) {
                    throw new AssertionError("ids differ for " + escape(text) + "\n expected " + Arrays.toString(expected)
                            + "\n actual   " + Arrays.toString(actual));
                }
            }
        }
    }

    @Test
    void specialTokensAreMatchedOnlyWhenAllowed() {
        Tokenizer t = loaded.get(2);
        String text = "first doc<|endoftext|>second <|endoftext|><|endoftext|> third";
        int[] ordinary = t.encodeOrdinary(text);
        assertArrayEquals(R50k.reference().encodeOrdinary(text).toArray(), ordinary);
        assertEquals(-1, Arrays.stream(ordinary).filter(id -> id == R50k.EOT).findAny().orElse(-1));

        List<Integer> expected = new ArrayList<>();
        String[] parts = text.split("<\\|endoftext\\|>", -1);
        for (int i = 0; i < parts.length; i++) {
            for (int id : R50k.reference().encodeOrdinary(parts[i]).toArray()) {
                expected.add(id);
            }
            if (i + 1 < parts.length) {
                expected.add(R50k.EOT);
            }
        }
        assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), t.encode(text, Set.of(Tokenizer.END_OF_TEXT)));
    }

    static List<String> edgeCases() {
        List<String> cases = new ArrayList<>(List.of("", " ", "  ", "\n", "a", " a", "  a", "a  ", "\t\ta", "\n\n\nx",
                "x \ny", "x\r\n\r\ny", "'s", "'S", " 's", "''s", "it's", "IT'S", "we're'll'd've'm't",
                "\u00A0word", "\u3000日本", "hello\u2028world", "\u0085x", "123456789012345", " 1 2 3", "½¾",
                "👩‍💻👨‍👩‍👧‍👦", "🇩🇪🇯🇵", "<|endoftext|>", "e\u0301", "नमस्ते", "𝐁𝐨𝐥𝐝 𝟘𝟙𝟚",
                "    def f(x):\n        return x\n"));
        cases.add(" ".repeat(700) + "end");
        cases.add("x" + " ".repeat(513));
        cases.add("a".repeat(1000));
        cases.add("ab".repeat(300) + " " + "€".repeat(200));
        cases.add("!".repeat(129) + "😀".repeat(70));
        return cases;
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().limit(200).forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F) {
                sb.append((char) cp);
            } else {
                sb.append(String.format("\\u{%X}", cp));
            }
        });
        return sb.append(s.length() > 200 ? "...\"" : "\"").toString();
    }
}
