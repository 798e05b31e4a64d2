package ai.stratum.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stratum.fixtures.text.MultilingualText;
import java.lang.Character.UnicodeScript;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The test-text generator must be reproducible and as varied as the exactness tests assume. */
class MultilingualTextTest {

    @Test
    void sameSeedSameTextOtherSeedOtherText() {
        assertEquals(MultilingualText.seeded(1).documents(20, 500), MultilingualText.seeded(1).documents(20, 500));
        assertNotEquals(MultilingualText.seeded(1).document(2000), MultilingualText.seeded(2).document(2000));
    }

    @Test
    void coversScriptsEmojiWhitespaceCodeAndContractions() {
        String text = String.join("", MultilingualText.seeded(3).documents(200, 1000));
        Set<UnicodeScript> scripts = EnumSet.noneOf(UnicodeScript.class);
        text.codePoints().forEach(cp -> scripts.add(UnicodeScript.of(cp)));
        for (UnicodeScript s : new UnicodeScript[] {UnicodeScript.LATIN, UnicodeScript.CYRILLIC, UnicodeScript.GREEK,
            UnicodeScript.ARABIC, UnicodeScript.HEBREW, UnicodeScript.DEVANAGARI, UnicodeScript.THAI, UnicodeScript.HAN,
            UnicodeScript.HIRAGANA, UnicodeScript.KATAKANA, UnicodeScript.HANGUL, UnicodeScript.INHERITED}) {
            assertTrue(scripts.contains(s), "missing script " + s);
        }
        assertTrue(text.codePoints().anyMatch(cp -> cp >= 0x1F600 && cp <= 0x1F64F), "emoji");
        assertTrue(text.contains("\u200D"), "ZWJ sequences");
        assertTrue(text.codePoints().anyMatch(cp -> cp > 0xFFFF && Character.isLetter(cp)), "letters outside the BMP");
        for (String s : new String[] {"\t", "\r\n", "\u00A0", "\u3000", "\u2028", " ".repeat(20), "'s", "I'LL", "<p>", "{", "٣"}) {
            assertTrue(text.contains(s), "missing " + Gpt2ExactnessTest.escape(s));
        }
    }

    @Test
    void randomCodePointsAreWellFormed() {
        String s = MultilingualText.seeded(4).randomCodePoints(5000);
        assertEquals(5000, s.codePointCount(0, s.length()));
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                assertTrue(Character.isLowSurrogate(s.charAt(++i)));
            } else {
                assertTrue(!Character.isLowSurrogate(c));
            }
        }
    }
}
