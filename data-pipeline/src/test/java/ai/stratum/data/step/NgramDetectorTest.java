package ai.stratum.data.step;

import ai.stratum.fixtures.text.MultilingualText;
import ai.stratum.fixtures.web.SyntheticWeb;
import ai.stratum.fixtures.web.WordLists;
import com.optimaize.langdetect.DetectedLanguage;
import com.optimaize.langdetect.LanguageDetector;
import com.optimaize.langdetect.text.TextObject;
import com.optimaize.langdetect.text.TextObjectFactory;
import com.optimaize.langdetect.text.TextObjectFactoryBuilder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NgramDetector} against the library it re-implements (Optimaize language-detector 0.6's
 * {@code LanguageDetectorImpl}, same profiles and seed): the same languages in the same order with bit-identical
 * probabilities, on windows of generated pages in four languages, mixed-script text, text with spaces at its ends,
 * short texts (both implement the library's short-text algorithm too; repeated n-grams count) and texts around the
 * 50-character switch; and the generator against {@link java.util.Random}.
 */
class NgramDetectorTest {
    @Test
    void sameLanguagesAndProbabilitiesAsTheLibrary() {
        for (long seed : new long[] {42}) {
            LanguageDetector library = LanguageFilter.libraryDetector(seed);
            NgramDetector ours = new NgramDetector(LanguageFilter.builtInProfiles(), seed);
            TextObjectFactory texts = new TextObjectFactoryBuilder().maxTextLength(400).build();
            List<String> samples = new ArrayList<>();
            SyntheticWeb web = new SyntheticWeb(seed);
            for (WordLists lang : WordLists.values()) {
                for (int i = 0; i < 20; i++) {
                    String prose = web.prose(lang, 1);
                    samples.add(prose.substring(0, Math.min(prose.length(), 200 + 7 * i)));
                }
            }
            MultilingualText multi = MultilingualText.seeded(seed);
            samples.addAll(multi.documents(40, 220));
            samples.add("  padded on both sides, with enough words to pass the short-text limit  ");
            samples.add(" padded on the left only, with enough words to pass the short-text limit");
            samples.add("x".repeat(50));
            samples.add("y".repeat(51));
            samples.add("Kurz.");
            samples.add("aaa aaa aaa");
            samples.add("Ein kurzer deutscher Satz.");
            samples.add("A short English sentence, twice. A short English sentence.");
            // symbols no profile has around a few Spanish words: every trial runs all 1,000 iterations (none
            // converges), so the last block of draws (iterations 996-999, not normalized) is taken too
            String symbols = "\u2603\u2604\u2605\u2606\u2607\u2608\u2609\u260a\u260b\u260c";
            samples.add(symbols.repeat(3) + " de la " + symbols.repeat(2) + " que ");
            samples.add("");
            int detected = 0;
            for (String s : samples) {
                TextObject t = texts.forText(s);
                List<DetectedLanguage> want = library.getProbabilities(t);
                List<DetectedLanguage> got = ours.getProbabilities(t);
                assertEquals(want.size(), got.size(), s);
                for (int i = 0; i < want.size(); i++) {
                    assertEquals(want.get(i).getLocale(), got.get(i).getLocale(), s);
                    assertEquals(want.get(i).getProbability(), got.get(i).getProbability(), 0.0, s);
                }
                detected += want.isEmpty() ? 0 : 1;
            }
            assertTrue(detected > samples.size() * 3 / 4, detected + " of " + samples.size());
        }
    }

    @Test
    void vectorsAreTheGramsResolvedInTheirOrder() {
        NgramDetector detector = new NgramDetector(LanguageFilter.builtInProfiles(), 1);
        TextObjectFactory texts = new TextObjectFactoryBuilder().maxTextLength(400).build();
        SyntheticWeb web = new SyntheticWeb(7);
        List<String> samples = new ArrayList<>(List.of("ab", " ab ", "a b", " x", "y ", "\u2603 de \u2604",
                "Ein kurzer deutscher Satz, und noch einer."));
        for (WordLists lang : WordLists.values()) {
            samples.add(web.prose(lang, 1));
        }
        samples.addAll(MultilingualText.seeded(7).documents(5, 300));
        int unknown = 0;
        for (String s : samples) {
            TextObject t = texts.forText(s);
            long[] grams = NgramDetector.grams(t);
            int[] want = new int[grams.length];
            for (int i = 0; i < grams.length; i++) {
                want[i] = detector.vector(grams[i]);
                unknown += want[i] < 0 ? 1 : 0;
            }
            assertArrayEquals(want, detector.vectors(t), s);
        }
        assertTrue(unknown > 0, "some n-grams that no profile has");
    }

    @Test
    void theGeneratorIsJavaUtilRandom() {
        for (long seed : new long[] {0, 41, -7, 1L << 40}) {
            java.util.Random want = new java.util.Random(seed);
            NgramDetector.Lcg got = new NgramDetector.Lcg(seed);
            for (int i = 0; i < 2000; i++) {
                int bound = 1 + (i * 37) % 700; // powers of two and others
                assertEquals(want.nextInt(bound), got.nextInt(bound));
                if (i % 7 == 0) {
                    assertEquals(want.nextGaussian(), got.nextGaussian(), 0.0);
                }
                if (i % 11 == 0) {
                    assertEquals(want.nextDouble(), got.nextDouble(), 0.0);
                }
            }
        }
    }

    @Test
    void gramsInTheLibrarysOrder() {
        // " ab " -> 1-grams a b; 2-grams " a" ab "b "; 3-grams " ab" "ab " (no space in the middle)
        long[] want = {NgramDetector.key("a", 0, 1), NgramDetector.key("b", 0, 1), NgramDetector.key(" a", 0, 2),
                NgramDetector.key("ab", 0, 2), NgramDetector.key("b ", 0, 2), NgramDetector.key(" ab", 0, 3),
                NgramDetector.key("ab ", 0, 3)};
        assertArrayEquals(want, NgramDetector.grams("ab"));
        assertArrayEquals(want, NgramDetector.grams(" ab "));
        // " a b ": a, b; ' a', 'a ', ' b', 'b '; ' a ', ' b ' (but not 'a b', a space in the middle)
        assertArrayEquals(new long[] {NgramDetector.key("a", 0, 1), NgramDetector.key("b", 0, 1),
                NgramDetector.key(" a", 0, 2), NgramDetector.key("a ", 0, 2), NgramDetector.key(" b", 0, 2),
                NgramDetector.key("b ", 0, 2), NgramDetector.key(" a ", 0, 3), NgramDetector.key(" b ", 0, 3)},
                NgramDetector.grams("a b"));
    }
}
