package ai.stratum.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stratum.fixtures.text.MultilingualText;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenizerTest {
    private final Tokenizer gpt2 = R50k.tokenizer();

    @Test
    void decodeInvertsEncodeOnWellFormedText() {
        MultilingualText gen = MultilingualText.seeded(8);
        for (String text : gen.documents(200, 1000)) {
            assertEquals(text, gpt2.decode(gpt2.encodeOrdinary(text)));
            assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), gpt2.decodeBytes(gpt2.encodeOrdinary(text)));
        }
        for (int i = 0; i < 100; i++) {
            String text = gen.randomCodePoints(i * 3);
            assertEquals(text, gpt2.decode(gpt2.encodeOrdinary(text)));
        }
        for (String text : Gpt2ExactnessTest.edgeCases()) {
            assertEquals(text, gpt2.decode(gpt2.encode(text, Set.of(Tokenizer.END_OF_TEXT))));
        }
    }

    @Test
    void loneSurrogatesEncodeAsReplacementCharacter() {
        for (String text : List.of("\uD800", "a\uDC00b", "x \uD83D", "\uDE00\uD83D", "😀\uD800😀", "it\uDBFF's", "\uD800\uD800 \uDFFF")) {
            String replaced = text.replaceAll("\\p{Cs}", "\uFFFD");
            assertNotEquals(text, replaced);
            assertArrayEquals(gpt2.encodeOrdinary(replaced), gpt2.encodeOrdinary(text), () -> Gpt2ExactnessTest.escape(text));
            assertEquals(replaced, gpt2.decode(gpt2.encodeOrdinary(text)));
            // Cached and uncached paths agree: encode the piece a second time on this thread.
            assertArrayEquals(gpt2.encodeOrdinary(replaced), gpt2.encodeOrdinary(text));
        }
    }

    @Test
    void decodeOfACutCharacterGivesReplacementNotAnError() {
        int[] ids = gpt2.encodeOrdinary("日");
        assertTrue(ids.length > 1, "日 is several byte tokens in GPT-2");
        assertEquals("\uFFFD", gpt2.decode(new int[] {ids[0]}).substring(0, 1));
    }

    @Test
    void unknownIdsAreNamed() {
        IllegalArgumentException high = assertThrows(IllegalArgumentException.class, () -> gpt2.decode(new int[] {15496, 50257}));
        assertEquals("unknown token id 50257: valid ids are 0..50256", high.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> gpt2.decode(new int[] {-3}));
        assertTrue(negative.getMessage().startsWith("unknown token id -3"));
    }

    @Test
    void specialTokensAreAddedAfterTheVocabAndMatchedLeftmostLongest() {
        Tokenizer chat = gpt2.withSpecialTokens(List.of("<|im_start|>", "<|im_end|>", "<|im", Tokenizer.END_OF_TEXT));
        assertEquals(50260, chat.vocabSize());
        assertEquals(OptionalInt.of(50257), chat.specialTokenId("<|im_start|>"));
        assertEquals(OptionalInt.of(50258), chat.specialTokenId("<|im_end|>"));
        assertEquals(OptionalInt.of(50259), chat.specialTokenId("<|im"));
        assertEquals(R50k.EOT, chat.eotId());
        String text = "<|im_start|>user\nhi<|im_end|><|im";
        int[] ids = chat.encode(text, Set.of("<|im_start|>", "<|im_end|>", "<|im"));
        int[] user = gpt2.encodeOrdinary("user\nhi");
        int[] expected = new int[user.length + 3];
        expected[0] = 50257;
        System.arraycopy(user, 0, expected, 1, user.length);
        expected[user.length + 1] = 50258;
        expected[user.length + 2] = 50259;
        assertArrayEquals(expected, ids);
        assertEquals(text, chat.decode(ids));
        // Only the allowed ones are special; the rest is text.
        int[] onlyEnd = chat.encode(text, Set.of("<|im_end|>"));
        assertEquals(1, java.util.Arrays.stream(onlyEnd).filter(id -> id >= 50257).count());
        assertArrayEquals(gpt2.encodeOrdinary(text), chat.encodeOrdinary(text));
        assertNotEquals(gpt2.fingerprint(), chat.fingerprint());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> gpt2.encode("x", Set.of("<|im_start|>")));
        assertTrue(unknown.getMessage().startsWith("'<|im_start|>' is not a special token"), unknown.getMessage());
    }

    @Test
    void eotIdIsRequiredToExist() {
        Tokenizer noSpecials = new Tokenizer(gpt2.model(), java.util.Map.of());
        IllegalStateException e = assertThrows(IllegalStateException.class, noSpecials::eotId);
        assertTrue(e.getMessage().contains("<|endoftext|>"));
        assertEquals(OptionalInt.empty(), noSpecials.specialTokenId(Tokenizer.END_OF_TEXT));
    }

    @Test
    void streamingEncodeEqualsWholeTextEncode() throws java.io.IOException {
        // A special token with a newline inside must never be cut by a chunk boundary.
        Tokenizer chat = gpt2.withSpecialTokens(List.of("x\ny"));
        MultilingualText gen = MultilingualText.seeded(12);
        StringBuilder sb = new StringBuilder();
        for (String doc : gen.documents(40, 600)) {
            sb.append(doc).append(Tokenizer.END_OF_TEXT).append("ab\nx\nyz\n");
        }
        String text = sb.toString();
        Set<String> allowed = Set.of(Tokenizer.END_OF_TEXT, "x\ny");
        int[] whole = chat.encode(text, allowed);
        for (int chunk : new int[] {8, 64, 1000, 1 << 20}) {
            java.util.List<int[]> parts = new java.util.ArrayList<>();
            long chars = chat.encode(new java.io.StringReader(text), allowed, parts::add, chunk);
            assertEquals(text.length(), chars);
            int[] joined = parts.stream().flatMapToInt(java.util.Arrays::stream).toArray();
            assertArrayEquals(whole, joined, "chunk size " + chunk);
            if (chunk < 1000) {
                assertTrue(parts.size() > 10, "the text must actually be cut");
            }
        }
        char[] small = "ab\nx\nyz".toCharArray();
        assertEquals(5, TextChunks.safeCut(small, small.length, List.of()));
        assertEquals(3, TextChunks.safeCut(small, small.length, List.of("x\ny")), "the cut at 5 would split x\\ny");
    }

    @Test
    void batchEncodingEqualsOneByOne() {
        List<String> docs = MultilingualText.seeded(4).documents(300, 400);
        List<int[]> parallel = gpt2.encodeOrdinaryBatch(docs, 2);
        for (int i = 0; i < docs.size(); i++) {
            assertArrayEquals(gpt2.encodeOrdinary(docs.get(i)), parallel.get(i));
        }
        assertThrows(IllegalArgumentException.class, () -> gpt2.encodeOrdinaryBatch(docs, 0));
    }
}
