package ai.stratum.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stratum.fixtures.text.MultilingualText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {
    @TempDir
    Path dir;

    /**
     * The reference: recount every pair of every word before each merge, pick the highest count, then the
     * smallest (left bytes, right bytes), merge it everywhere. Returns the merges as "left|right" in byte-level form.
     */
    static List<String> naiveMerges(WordCounts counts, int vocabSize, int minFrequency) {
        List<List<String>> words = new ArrayList<>();
        List<Long> freq = new ArrayList<>();
        counts.forEach((word, c) -> {
            List<String> symbols = new ArrayList<>();
            for (byte b : Utf8.encode(word)) {
                symbols.add(new String(new byte[] {b}, StandardCharsets.ISO_8859_1));
            }
            words.add(symbols);
            freq.add(c);
        });
        Set<String> vocab = new HashSet<>();
        for (int b = 0; b < 256; b++) {
            vocab.add(new String(new byte[] {(byte) b}, StandardCharsets.ISO_8859_1));
        }
        List<String> merges = new ArrayList<>();
        while (vocab.size() < vocabSize) {
            Map<String, Long> pairs = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                List<String> s = words.get(w);
                for (int i = 0; i + 1 < s.size(); i++) {
                    pairs.merge(s.get(i) + "\u0000" + s.get(i + 1), freq.get(w), Long::sum);
                }
            }
            String best = null;
            long bestCount = 0;
            for (Map.Entry<String, Long> e : pairs.entrySet()) {
                long c = e.getValue();
                if (best == null || c > bestCount || (c == bestCount && comparePairs(e.getKey(), best) < 0)) {
                    best = e.getKey();
                    bestCount = c;
                }
            }
            if (best == null || bestCount < minFrequency) {
                break;
            }
            String[] ab = best.split("\u0000", -1);
            merges.add(byteLevel(ab[0]) + "|" + byteLevel(ab[1]));
            vocab.add(ab[0] + ab[1]);
            for (List<String> s : words) {
                for (int i = 0; i + 1 < s.size(); i++) {
                    if (s.get(i).equals(ab[0]) && s.get(i + 1).equals(ab[1])) {
                        s.set(i, ab[0] + ab[1]);
                        s.remove(i + 1);
                    }
                }
            }
        }
        return merges;
    }

    private static int comparePairs(String p, String q) {
        String[] a = p.split("\u0000", -1);
        String[] b = q.split("\u0000", -1);
        int cmp = a[0].compareTo(b[0]); // ISO-8859-1 chars compare like unsigned bytes
        return cmp != 0 ? cmp : a[1].compareTo(b[1]);
    }

    private static String byteLevel(String latin1) {
        return ByteLevel.encode(latin1.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static List<String> merges(Tokenizer t) {
        BytePairModel m = t.model();
        List<String> out = new ArrayList<>();
        for (int r = 0; r < m.mergeCount(); r++) {
            out.add(m.tokens[m.mergeLeft[r]] + "|" + m.tokens[m.mergeRight[r]]);
        }
        return out;
    }

    private static BpeTrainer trainer(int vocabSize, int minFrequency, int threads, List<String> specials) {
        return new BpeTrainer(new BpeTrainer.Options(vocabSize, minFrequency, specials, threads), line -> { });
    }

    private Path corpus(String name, long seed, int docs) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, String.join("\n", MultilingualText.seeded(seed).documents(docs, 400)), StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void mergesEqualTheNaiveRecountingTrainer() throws IOException {
        WordCounts counts = trainer(300, 1, 1, List.of()).countWords(List.of(corpus("a.txt", 1, 150)));
        Tokenizer trained = trainer(256 + 400, 1, 1, List.of()).train(counts);
        List<String> expected = naiveMerges(counts, 256 + 400, 1);
        assertEquals(expected, merges(trained));
        assertEquals(656, trained.vocabSize());
    }

    @Test
    void minimumFrequencyStopsTrainingEarly() throws IOException {
        WordCounts counts = trainer(300, 1, 1, List.of()).countWords(List.of(corpus("b.txt", 2, 60)));
        Tokenizer trained = trainer(20_000, 40, 1, List.of(Tokenizer.END_OF_TEXT)).train(counts);
        List<String> expected = naiveMerges(counts, 20_000, 40);
        assertEquals(expected, merges(trained));
        assertTrue(trained.vocabSize() < 20_000);
        assertEquals(trained.vocabSize() - 1, trained.eotId(), "special tokens follow the learned tokens");
    }

    @Test
    void chunkedReadingCountsLikeTheWholeFile() throws IOException {
        Path file = corpus("c.txt", 3, 200);
        String text = Files.readString(file);
        WordCounts whole = new WordCounts();
        whole.addText(text);
        for (int chunk : new int[] {16, 100, 4096}) {
            WordCounts chunked = new WordCounts();
            List<String> pieces = new ArrayList<>();
            long chars = BpeTrainer.readChunks(file, chunk, List.of(), false, piece -> {
                pieces.add(piece);
                chunked.addText(piece);
            });
            assertEquals(text.length(), chars);
            assertEquals(text, String.join("", pieces));
            assertTrue(pieces.size() > 1, "the file must actually be cut");
            assertEquals(whole.size(), chunked.size());
            assertEquals(whole.total(), chunked.total());
            whole.forEach((word, c) -> assertEquals(c, chunked.count(word), word));
        }
    }

    @Test
    void resultDoesNotDependOnThreadCountAndRoundTripsThroughTokenizerJson() throws IOException {
        List<Path> files = List.of(corpus("d.txt", 4, 80), corpus("e.txt", 5, 80), corpus("f.txt", 6, 80));
        Tokenizer one = trainer(1000, 2, 1, List.of(Tokenizer.END_OF_TEXT, "<|pad|>")).train(files);
        Tokenizer two = trainer(1000, 2, 2, List.of(Tokenizer.END_OF_TEXT, "<|pad|>")).train(files);
        assertEquals(one.fingerprint(), two.fingerprint());
        assertEquals(1000, one.vocabSize());
        assertEquals(998, one.eotId());
        Path json = dir.resolve("tok/tokenizer.json");
        one.save(json);
        Tokenizer loaded = Tokenizer.load(json.getParent());
        assertEquals(one.fingerprint(), loaded.fingerprint());
        String sample = Files.readString(files.get(0)).substring(0, 3000);
        assertArrayEquals(one.encodeOrdinary(sample), loaded.encodeOrdinary(sample));
        assertEquals(sample, loaded.decode(loaded.encodeOrdinary(sample)));
        assertTrue(one.encodeOrdinary(sample).length < Utf8.encode(sample).length / 2, "merges must compress the training text");
    }

    @Test
    void specialTokenTextIsCutOutBeforeCounting() {
        WordCounts counts = new WordCounts();
        counts.addText("one<|endoftext|>two <|end|><|endoftext|> one", List.of("<|end|>", Tokenizer.END_OF_TEXT));
        WordCounts expected = new WordCounts();
        expected.addText("one");
        expected.addText("two ");
        expected.addText(" one");
        assertEquals(expected.size(), counts.size());
        assertEquals(expected.total(), counts.total());
        expected.forEach((word, c) -> assertEquals(c, counts.count(word), word));
        assertEquals(0, counts.count("endoftext"));
    }

    @Test
    void optionsNameTheBadKey() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new BpeTrainer.Options(100, 1, List.of(), 1))
                .getMessage().startsWith("vocab_size: "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new BpeTrainer.Options(300, 0, List.of(), 1))
                .getMessage().startsWith("min_frequency: "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new BpeTrainer.Options(300, 1, List.of("a", "a"), 1))
                .getMessage().startsWith("special_tokens: "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new BpeTrainer.Options(300, 1, List.of(), 0))
                .getMessage().startsWith("threads: "));
        Path missing = dir.resolve("missing.txt");
        String message = assertThrows(java.io.UncheckedIOException.class,
                () -> trainer(300, 1, 2, List.of()).countWords(List.of(missing))).getMessage();
        assertTrue(message.contains(missing.toString()), message);
    }
}
