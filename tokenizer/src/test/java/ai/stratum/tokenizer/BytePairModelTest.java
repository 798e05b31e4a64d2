package ai.stratum.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stratum.fixtures.text.MultilingualText;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Both merge loops against a naive reference: GPT-2's bpe(), merging every occurrence of the best pair per round. */
class BytePairModelTest {

    /** The textbook algorithm over token strings, written for clarity, not speed. */
    static Map<String, Integer> mergeRanks(List<String[]> merges) {
        Map<String, Integer> rank = new HashMap<>();
        for (int r = 0; r < merges.size(); r++) {
            rank.putIfAbsent(merges.get(r)[0] + " " + merges.get(r)[1], r);
        }
        return rank;
    }

    static List<String> naiveBpe(byte[] piece, Map<String, Integer> rank) {
        List<String> word = new ArrayList<>();
        for (byte b : piece) {
            word.add(String.valueOf(ByteLevel.charOf(b & 0xFF)));
        }
        while (word.size() > 1) {
            String best = null;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer r = rank.get(word.get(i) + " " + word.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = word.get(i) + " " + word.get(i + 1);
                }
            }
            if (best == null) {
                break;
            }
            String[] pair = best.split(" ");
            List<String> merged = new ArrayList<>();
            for (int i = 0; i < word.size(); i++) {
                if (i + 1 < word.size() && word.get(i).equals(pair[0]) && word.get(i + 1).equals(pair[1])) {
                    merged.add(pair[0] + pair[1]);
                    i++;
                } else {
                    merged.add(word.get(i));
                }
            }
            word = merged;
        }
        return word;
    }

    private static List<String[]> merges(BytePairModel model) {
        List<String[]> merges = new ArrayList<>();
        for (int r = 0; r < model.mergeCount(); r++) {
            merges.add(new String[] {model.tokens[model.mergeLeft[r]], model.tokens[model.mergeRight[r]]});
        }
        return merges;
    }

    private static int[] run(BytePairModel model, byte[] piece, boolean large) {
        IntList out = new IntList(4);
        if (large) {
            model.mergeLarge(symbols(model, piece), piece.length, out);
        } else {
            model.mergeSmall(symbols(model, piece), piece.length, out);
        }
        return out.toArray();
    }

    @Test
    void smallAndLargeLoopsEqualTheNaiveAlgorithmOnGpt2() {
        BytePairModel model = R50k.tokenizer().model();
        Map<String, Integer> ranks = mergeRanks(merges(model));
        Map<String, Integer> ids = new HashMap<>();
        for (int id = 0; id < model.tokens.length; id++) {
            if (model.tokens[id] != null) {
                ids.put(model.tokens[id], id);
            }
        }
        MultilingualText gen = MultilingualText.seeded(21);
        List<String> pieces = new ArrayList<>();
        for (String doc : gen.documents(60, 600)) {
            char[] chars = doc.toCharArray();
            for (int i = 0; i < chars.length; ) {
                int j = Gpt2PreTokenizer.tokenEnd(chars, i, chars.length);
                pieces.add(doc.substring(i, j));
                i = j;
            }
            pieces.add(doc.substring(0, Math.min(doc.length(), 150)));
        }
        pieces.add("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        pieces.add(" ".repeat(90));
        for (String piece : pieces) {
            byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
            int[] expectedIds = naiveBpe(bytes, ranks).stream().mapToInt(ids::get).toArray();
            assertArrayEquals(expectedIds, run(model, bytes, false), () -> "small loop on " + Gpt2ExactnessTest.escape(piece));
            assertArrayEquals(expectedIds, run(model, bytes, true), () -> "large loop on " + Gpt2ExactnessTest.escape(piece));
        }
    }

    @Test
    void handBuiltModelFollowsTheWorkedExample() {
        String[] tokens = new String[259];
        for (int b = 0; b < 256; b++) {
            tokens[b] = String.valueOf(ByteLevel.charOf(b));
        }
        tokens[256] = "ab";
        tokens[257] = "abc";
        tokens[258] = "cd";
        BytePairModel model = new BytePairModel(tokens,
                List.of(new String[] {"a", "b"}, new String[] {"ab", "c"}, new String[] {"c", "d"}));
        byte[] abcd = "abcd".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(new int[] {257, 'd'}, run(model, abcd, false));
        assertArrayEquals(new int[] {257, 'd'}, run(model, abcd, true));
        byte[] bcd = "bcd".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(new int[] {'b', 258}, run(model, bcd, false));
    }

    @Test
    void malformedModelsAreRejectedNamingTheToken() {
        String[] tokens = new String[256];
        for (int b = 0; b < 256; b++) {
            tokens[b] = String.valueOf(ByteLevel.charOf(b));
        }
        IllegalArgumentException noMerged = assertThrows(IllegalArgumentException.class,
                () -> new BytePairModel(tokens, List.<String[]>of(new String[] {"a", "b"})));
        assertTrue(noMerged.getMessage().contains("merge 0 'a b': token 'ab' is not in the vocab"), noMerged.getMessage());
        String[] missingByte = tokens.clone();
        missingByte[0x20] = null;
        IllegalArgumentException noSpace = assertThrows(IllegalArgumentException.class,
                () -> new BytePairModel(missingByte, List.of()));
        assertTrue(noSpace.getMessage().contains("byte 0x20"), noSpace.getMessage());
        String[] notByteLevel = tokens.clone();
        notByteLevel[5] = "a b";
        IllegalArgumentException space = assertThrows(IllegalArgumentException.class,
                () -> new BytePairModel(notByteLevel, List.of()));
        assertEquals("vocab token 'a b' (id 5) is not a byte-level token: every character must be one of GPT-2's 256 byte characters",
                space.getMessage());
    }

    private static int[] symbols(BytePairModel model, byte[] piece) {
        int[] ids = new int[piece.length];
        for (int i = 0; i < piece.length; i++) {
            ids[i] = model.byteId(piece[i] & 0xFF);
        }
        return ids;
    }
}
