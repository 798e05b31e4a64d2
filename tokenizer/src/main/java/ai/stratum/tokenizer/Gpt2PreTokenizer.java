package ai.stratum.tokenizer;

/**
 * A hand-written scanner equivalent to GPT-2's split pattern {@link #PATTERN} compiled with
 * {@code Pattern.UNICODE_CHARACTER_CLASS} (as tiktoken's and JTokkit's r50k do): {@code \p{L}} and {@code \p{N}}
 * are Unicode general categories, {@code \s} is the Unicode White_Space property. Categories are Unicode 16's, as
 * in Hugging Face's Rust tokenizers: Java 17's tables (Unicode 13) are updated by {@link UnicodeUpdate}. It is several times faster
 * than {@code java.util.regex} and allocates nothing.
 *
 * <p>Alternatives in pattern order, tried at each position: a contraction ({@code 's 't 're 've 'm 'll 'd},
 * case-sensitive); an optional space and a run of letters; of numbers; of "other" characters (neither
 * whitespace, letter nor number); a whitespace run not followed by a non-whitespace character (so a run
 * before a word leaves its last character to the word); any whitespace run. A lone surrogate is an "other"
 * character, as it is for the regex.
 */
public final class Gpt2PreTokenizer {
    /** GPT-2's pre-tokenizer split pattern, also written into {@code tokenizer.json}. */
    public static final String PATTERN =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    static final byte OTHER = 0;
    static final byte LETTER = 1;
    static final byte NUMBER = 2;
    static final byte SPACE = 3;

    private static final byte[] BMP_CLASS = new byte[65536];

    static {
        for (int c = 0; c < 65536; c++) {
            BMP_CLASS[c] = Character.isSurrogate((char) c) ? OTHER : classify(c);
        }
    }

    private Gpt2PreTokenizer() {
    }

    /** The class of one code point, as the regex sees it. */
    static byte classify(int codePoint) {
        int updated = UnicodeUpdate.classOf(codePoint);
        if (updated >= 0) {
            return updated == 1 ? LETTER : updated == 2 ? NUMBER : OTHER;
        }
        int type = Character.getType(codePoint);
        switch (type) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER:
                return LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER:
                return NUMBER;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR:
                return SPACE;
            default:
                return (codePoint >= 0x9 && codePoint <= 0xD) || codePoint == 0x85 ? SPACE : OTHER;
        }
    }

    /** Whether a UTF-16 unit is whitespace to the pattern (no whitespace lies outside the BMP). */
    static boolean isSpace(char c) {
        return BMP_CLASS[c] == SPACE;
    }

    /**
     * The end (exclusive) of the pre-token that starts at {@code i} in {@code s[i, end)}; requires {@code i < end}.
     * Works on a char array: Java strings may hold Latin-1 or UTF-16 internally, and reading a char array is
     * the same fast path for both.
     */
    public static int tokenEnd(char[] s, int i, int end) {
        char c = s[i];
        if (c == '\'' && i + 1 < end) {
            char d = s[i + 1];
            if (d == 's' || d == 't' || d == 'm' || d == 'd') {
                return i + 2;
            }
            if (i + 2 < end) {
                char e = s[i + 2];
                if ((d == 'r' && e == 'e') || (d == 'v' && e == 'e') || (d == 'l' && e == 'l')) {
                    return i + 3;
                }
            }
        }
        if (c == ' ' && i + 1 < end) {
            byte next = classAt(s, i + 1, end);
            if (next != SPACE) {
                return runEnd(s, i + 1, end, next);
            }
        }
        byte cls = classAt(s, i, end);
        if (cls != SPACE) {
            return runEnd(s, i, end, cls);
        }
        int j = runEnd(s, i, end, SPACE);
        // \s+(?!\S) backtracks one character when the run is followed by a non-space; \s+ takes a run of one.
        return j < end && j - i >= 2 ? j - 1 : j;
    }

    static byte classAt(char[] s, int i, int end) {
        char c = s[i];
        if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s[i + 1])) {
            return classify(Character.toCodePoint(c, s[i + 1]));
        }
        return BMP_CLASS[c];
    }

    static int runEnd(char[] s, int i, int end, byte cls) {
        while (i < end) {
            char c = s[i];
            if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s[i + 1])) {
                if (classify(Character.toCodePoint(c, s[i + 1])) != cls) {
                    return i;
                }
                i += 2;
            } else {
                if (BMP_CLASS[c] != cls) {
                    return i;
                }
                i++;
            }
        }
        return i;
    }
}
