package ai.stratum.data.step;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Python's string semantics where datatrove's filters depend on them: {@code str.isspace}/{@code strip}/
 * {@code split()}, {@code str.splitlines}, and datatrove's character sets {@code PUNCTUATION_SET} and
 * {@code TERMINAL_PUNCTUATION} (src/datatrove/utils/text.py, datatrove 0.10.0). Java's {@code String.strip} and
 * {@code Character.isWhitespace} differ from Python's on no-break spaces (U+00A0, U+2007, U+202F), which web
 * text is full of: a line ending in {@code ".\u00a0"} ends in a period for datatrove.
 */
public final class PyText {
    /**
     * datatrove's {@code TERMINAL_PUNCTUATION}: Unicode's Sentence_Terminal characters (FineWeb's line-end test),
     * sorted code points.
     */
    static final int[] TERMINAL_PUNCTUATION = {
        0x21, 0x2E, 0x3F, 0x589, 0x61D, 0x61E, 0x61F, 0x6D4, 0x700, 0x701, 0x702, 0x7F9, 0x837, 0x839, 0x83D, 0x83E,
        0x964, 0x965, 0x104A, 0x104B, 0x1362, 0x1367, 0x1368, 0x166E, 0x1735, 0x1736, 0x17D4, 0x17D5, 0x17D6, 0x17D9,
        0x17DA, 0x1803, 0x1809, 0x1944, 0x1945, 0x1AA8, 0x1AA9, 0x1AAA, 0x1AAB, 0x1B5A, 0x1B5B, 0x1B5E, 0x1B5F,
        0x1B7D, 0x1B7E, 0x1C3B, 0x1C3C, 0x1C7E, 0x1C7F, 0x203C, 0x203D, 0x2047, 0x2048, 0x2049, 0x2E2E, 0x2E3C,
        0x2E53, 0x2E54, 0x3002, 0xA4FF, 0xA60E, 0xA60F, 0xA6F3, 0xA6F7, 0xA876, 0xA877, 0xA8CE, 0xA8CF, 0xA92F,
        0xA9C8, 0xA9C9, 0xAA5D, 0xAA5E, 0xAA5F, 0xAAF0, 0xAAF1, 0xABEB, 0xFE52, 0xFE56, 0xFE57, 0xFF01, 0xFF0E,
        0xFF1F, 0xFF61, 0x10A56, 0x10A57, 0x10F55, 0x10F56, 0x10F57, 0x10F58, 0x10F59, 0x10F86, 0x10F87, 0x10F88,
        0x10F89, 0x11047, 0x11048, 0x110BE, 0x110BF, 0x110C0, 0x110C1, 0x11141, 0x11142, 0x11143, 0x111C5, 0x111C6,
        0x111CD, 0x111DE, 0x111DF, 0x11238, 0x11239, 0x1123B, 0x1123C, 0x112A9, 0x1144B, 0x1144C, 0x115C2, 0x115C3,
        0x115C9, 0x115CA, 0x115CB, 0x115CC, 0x115CD, 0x115CE, 0x115CF, 0x115D0, 0x115D1, 0x115D2, 0x115D3, 0x115D4,
        0x115D5, 0x115D6, 0x115D7, 0x11641, 0x11642, 0x1173C, 0x1173D, 0x1173E, 0x11944, 0x11946, 0x11A42, 0x11A43,
        0x11A9B, 0x11A9C, 0x11C41, 0x11C42, 0x11EF7, 0x11EF8, 0x11F43, 0x11F44, 0x16A6E, 0x16A6F, 0x16AF5, 0x16B37,
        0x16B38, 0x16B44, 0x16E98, 0x1BC9F, 0x1DA88
    };
    /** datatrove's {@code PUNCTUATION} string without its control characters (added in {@link #isPunctuation}). */
    static final String PUNCTUATION = "!/\u2014\u201d:\uff05\uff11\u3008&(\u3001\u2501\\\u3010#%\u300c\u300d\uff0c\u3011\uff1b+^]~\u201c\u300a\u201e';\u2019{|\u2236\u00b4[=-`*\uff0e\uff08\u2013\uff1f\uff01\uff1a$\uff5e\u00ab\u3009,><\u300b)?\uff09\u3002\u2026@_.\"}\u25ba\u00bb";

    private PyText() {
    }

    /** Python's {@code str.isspace} for one character (whitespace bidi classes WS, B, S and category Zs). */
    public static boolean isSpace(char c) {
        if (c <= ' ') {
            return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
        }
        if (c < 0x85) {
            return false;
        }
        return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028
                || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
    }

    /** A line break for Python's {@code str.splitlines}. */
    static boolean isLineBreak(char c) {
        return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e || c == 0x85
                || c == 0x2028 || c == 0x2029;
    }

    public static String strip(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && isSpace(s.charAt(from))) {
            from++;
        }
        while (to > from && isSpace(s.charAt(to - 1))) {
            to--;
        }
        return s.substring(from, to);
    }

    /** Index of the first non-space character of {@code s[from, to)}, or {@code to}. */
    static int skipSpace(CharSequence s, int from, int to) {
        while (from < to && isSpace(s.charAt(from))) {
            from++;
        }
        return from;
    }

    /** One past the last non-space character of {@code s[from, to)}, or {@code from}. */
    static int trimSpaceEnd(CharSequence s, int from, int to) {
        while (to > from && isSpace(s.charAt(to - 1))) {
            to--;
        }
        return to;
    }

    /**
     * Python's {@code str.splitlines()}: lines without their breaks; {@code \r\n} is one break; no trailing empty
     * line after a final break; an empty text has no lines.
     */
    public static List<String> splitlines(String s) {
        List<String> lines = new ArrayList<>();
        int n = s.length();
        int start = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (isLineBreak(c)) {
                lines.add(s.substring(start, i));
                if (c == '\r' && i + 1 < n && s.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        if (start < n) {
            lines.add(s.substring(start));
        }
        return lines;
    }

    /** Python's {@code str.split()} without arguments: the number of words and the longest word's length. */
    static int[] splitStats(String line) {
        int words = 0;
        int longest = 0;
        int n = line.length();
        for (int i = 0; i < n; ) {
            while (i < n && isSpace(line.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !isSpace(line.charAt(i))) {
                i++;
            }
            if (i > start) {
                words++;
                longest = Math.max(longest, Character.codePointCount(line, start, i));
            }
        }
        return new int[] {words, longest};
    }

    /** Membership in datatrove's {@code TERMINAL_PUNCTUATION}. */
    public static boolean isTerminalPunctuation(int codePoint) {
        return Arrays.binarySearch(TERMINAL_PUNCTUATION, codePoint) >= 0;
    }

    /** {@link #isPunctuation} for ASCII, looked up: word scans test every token's first character. */
    private static final boolean[] ASCII_PUNCTUATION = new boolean[128];

    static {
        for (int c = 0; c < 128; c++) {
            ASCII_PUNCTUATION[c] = isPunctuationSet(c);
        }
    }

    /** Membership in datatrove's {@code PUNCTUATION_SET} ({@code PUNCTUATION} and {@code TERMINAL_PUNCTUATION}). */
    public static boolean isPunctuation(int codePoint) {
        return codePoint >= 0 && codePoint < 128 ? ASCII_PUNCTUATION[codePoint] : isPunctuationSet(codePoint);
    }

    private static boolean isPunctuationSet(int codePoint) {
        if (codePoint < 9 || codePoint == 11 || codePoint == 12 || (codePoint >= 13 && codePoint < 32)
                || (codePoint >= 127 && codePoint < 160)) {
            return true;
        }
        return (codePoint < 0x10000 && PUNCTUATION.indexOf(codePoint) >= 0) || isTerminalPunctuation(codePoint);
    }

    /** The last code point of {@code s}, or -1 when it is empty. */
    static int lastCodePoint(String s) {
        return s.isEmpty() ? -1 : s.codePointBefore(s.length());
    }
}
