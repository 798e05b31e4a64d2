package ai.stratum.data.step;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Python's string semantics that datatrove's filters rely on, with the values CPython 3 gives. */
class PyTextTest {
    @Test
    void splitlinesLikePython() {
        // "a\r\nb\rc\u2028d\x0be\x1cf\n".splitlines() == ['a', 'b', 'c', 'd', 'e', 'f']
        assertEquals(List.of("a", "b", "c", "d", "e", "f"), PyText.splitlines("a\r\nb\rc\u2028d\u000be\u001cf\n"));
        assertEquals(List.of(), PyText.splitlines(""));
        assertEquals(List.of(""), PyText.splitlines("\n"));
        assertEquals(List.of("", "x", ""), PyText.splitlines("\nx\n\n"));
    }

    @Test
    void stripAndSplitLikePython() {
        // "\xa0 x y\u3000\u2007".strip() == "x y"; "\u200b" is not whitespace in Python
        assertEquals("x y", PyText.strip("\u00a0 x y\u3000\u2007"));
        assertEquals("\u200bx", PyText.strip("\u200bx "));
        // "a\xa0b  c".split() == ['a', 'b', 'c']; the longest word is counted in code points
        assertArrayEquals(new int[] {3, 1}, PyText.splitStats("a\u00a0b  c"));
        assertArrayEquals(new int[] {1, 2}, PyText.splitStats("\uD83D\uDE00\uD83D\uDE00"));
        assertTrue(PyText.isSpace('\u0085'));
        assertFalse(PyText.isSpace('\u200b'));
    }

    @Test
    void datatrovesPunctuationSets() {
        for (int c : new int[] {'!', '\u2026', '\u00ab', '\u3002', 0x85, 0x1f, '\uff11'}) {
            assertTrue(PyText.isPunctuation(c), Integer.toHexString(c));
        }
        for (int c : new int[] {'a', '\t', '\n', ' ', '0', '\u00e9'}) {
            assertFalse(PyText.isPunctuation(c), Integer.toHexString(c));
        }
        assertTrue(PyText.isTerminalPunctuation('\u0964'), "Devanagari danda");
        assertTrue(PyText.isTerminalPunctuation(0x1DA88), "a supplementary-plane terminal");
        assertFalse(PyText.isTerminalPunctuation('"'), "quote marks are not terminal for FineWeb");
        assertFalse(PyText.isTerminalPunctuation(','));
        assertEquals(159, PyText.TERMINAL_PUNCTUATION.length);
    }

    @Test
    void punctuationLookupEqualsTheSetDefinition() {
        for (int cp = 0; cp < 0x20000; cp++) {
            boolean control = cp < 9 || cp == 11 || cp == 12 || (cp >= 13 && cp < 32) || (cp >= 127 && cp < 160);
            boolean expected = control || (cp < 0x10000 && PyText.PUNCTUATION.indexOf(cp) >= 0)
                    || PyText.isTerminalPunctuation(cp);
            assertEquals(expected, PyText.isPunctuation(cp), Integer.toHexString(cp));
        }
        assertTrue(PyText.isPunctuation('.') && PyText.isPunctuation('\u3002') && !PyText.isPunctuation('a'));
    }
}
