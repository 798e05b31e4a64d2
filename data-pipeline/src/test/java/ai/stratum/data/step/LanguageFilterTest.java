package ai.stratum.data.step;

import ai.stratum.fixtures.text.MultilingualText;
import ai.stratum.fixtures.web.SyntheticWeb;
import ai.stratum.fixtures.web.WordLists;
import com.optimaize.langdetect.text.TextObjectFactoryBuilder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link LanguageFilter#windowText} against the library's {@code TextObjectFactory} it stands in for (no filters,
 * the same length limit): the same text for windows of generated pages and of text drawn from every Unicode block
 * the library's {@code CharNormalizer} treats specially, runs of spaces, and limits shorter than the window.
 */
class LanguageFilterTest {
    @Test
    void windowTextIsTheLibrarysTextObject() {
        List<String> texts = new ArrayList<>();
        SyntheticWeb web = new SyntheticWeb(3);
        for (WordLists lang : WordLists.values()) {
            texts.add(web.prose(lang, 2));
        }
        texts.addAll(MultilingualText.seeded(3).documents(10, 600));
        Random random = new Random(3);
        // ASCII (letters, digits, punctuation, whitespace), Latin-1, general punctuation, Arabic (U+06CC is
        // mapped), Latin Extended Additional (split at U+1EA0), Hiragana, Katakana, Bopomofo (and extended), CJK
        // ideographs (some mapped to a class representative), Hangul, and a block it leaves alone (Cyrillic)
        int[][] ranges = {{0x00, 0x7f}, {0x80, 0xff}, {0x2000, 0x206f}, {0x0600, 0x06ff}, {0x1e00, 0x1eff},
                {0x3040, 0x309f}, {0x30a0, 0x30ff}, {0x3100, 0x312f}, {0x31a0, 0x31bf}, {0x4e00, 0x9fff},
                {0xac00, 0xd7a3}, {0x0400, 0x04ff}};
        for (int t = 0; t < 40; t++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 500; i++) {
                int[] r = ranges[random.nextInt(ranges.length)];
                sb.append(random.nextInt(5) == 0 ? ' ' : (char) (r[0] + random.nextInt(r[1] - r[0] + 1)));
            }
            texts.add(sb.toString());
        }
        texts.add("  two  spaces   three    four\t\n tabs and newlines  ");
        for (String text : texts) {
            for (int maxLength : new int[] {7, 400, 1 << 20}) {
                var factory = new TextObjectFactoryBuilder().maxTextLength(maxLength).build();
                for (int k = 0; k < 5; k++) {
                    int from = random.nextInt(text.length());
                    int to = from + random.nextInt(text.length() - from + 1);
                    assertEquals(factory.forText(text.subSequence(from, to)).toString(),
                            LanguageFilter.windowText(text, from, to, maxLength), text + " [" + from + ", " + to + ")");
                }
                assertEquals(factory.forText(text).toString(),
                        LanguageFilter.windowText(text, 0, text.length(), maxLength));
            }
        }
    }
}
