package ai.stratum.tokenizer;

/**
 * A hand-written scanner equivalent to Llama 3's split pattern {@link #LLAMA3_PATTERN} (cl100k's family) and
 * Qwen2's {@link #QWEN2_PATTERN}, which differ only in how many digits one pre-token takes (3 or 1). Compiled
 * as Java regexes with {@code UNICODE_CHARACTER_CLASS}: {@code \p{L}}, {@code \p{N}} are general categories,
 * {@code \s} the White_Space property, {@code (?i)} Unicode case folding.
 *
 * <p>Alternatives in pattern order, at each position:
 * <ol>
 *   <li>a contraction {@code 's 't 're 've 'm 'll 'd}, any case ({@code ſ}, U+017F, folds to s);</li>
 *   <li>one optional character that is neither CR, LF, letter nor number, then a run of letters;</li>
 *   <li>a run of 1..maxDigits numbers;</li>
 *   <li>an optional space, a run of "other" characters (neither whitespace, letter nor number), any CR/LF run;</li>
 *   <li>a whitespace run up to and including its last CR or LF, if it has one;</li>
 *   <li>a whitespace run not followed by a non-whitespace character (a run before a word leaves its last
 *       character to the word), else a whitespace run.</li>
 * </ol>
 */
final class Cl100kPreTokenizer implements SplitScanner {
    static final String LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN2_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final Cl100kPreTokenizer LLAMA3 = new Cl100kPreTokenizer(3);
    static final Cl100kPreTokenizer QWEN2 = new Cl100kPreTokenizer(1);

    private static final byte OTHER = Gpt2PreTokenizer.OTHER;
    private static final byte LETTER = Gpt2PreTokenizer.LETTER;
    private static final byte NUMBER = Gpt2PreTokenizer.NUMBER;
    private static final byte SPACE = Gpt2PreTokenizer.SPACE;

    private final int maxDigits;

    private Cl100kPreTokenizer(int maxDigits) {
        this.maxDigits = maxDigits;
    }

    @Override
    public int tokenEnd(char[] s, int i, int end) {
        char c = s[i];
        if (c == '\'' && i + 1 < end) {
            char d = s[i + 1];
            if (d == 's' || d == 'S' || d == '\u017F' || d == 't' || d == 'T' || d == 'm' || d == 'M' || d == 'd' || d == 'D') {
                return i + 2;
            }
            if (i + 2 < end) {
                char e = s[i + 2];
                if (((d == 'r' || d == 'R' || d == 'v' || d == 'V') && (e == 'e' || e == 'E'))
                        || ((d == 'l' || d == 'L') && (e == 'l' || e == 'L'))) {
                    return i + 3;
                }
            }
        }
        byte cls = Gpt2PreTokenizer.classAt(s, i, end);
        if (cls == LETTER) {
            return Gpt2PreTokenizer.runEnd(s, i, end, LETTER);
        }
        int width = Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s[i + 1]) ? 2 : 1;
        if (cls != NUMBER && c != '\r' && c != '\n' && i + width < end && Gpt2PreTokenizer.classAt(s, i + width, end) == LETTER) {
            return Gpt2PreTokenizer.runEnd(s, i + width, end, LETTER);
        }
        if (cls == NUMBER) {
            int j = i;
            for (int k = 0; k < maxDigits && j < end && Gpt2PreTokenizer.classAt(s, j, end) == NUMBER; k++) {
                j += Character.isHighSurrogate(s[j]) && j + 1 < end && Character.isLowSurrogate(s[j + 1]) ? 2 : 1;
            }
            return j;
        }
        int start = i;
        if (c == ' ' && i + 1 < end && Gpt2PreTokenizer.classAt(s, i + 1, end) == OTHER) {
            start = i + 1;
            cls = OTHER;
        }
        if (cls == OTHER) {
            int j = Gpt2PreTokenizer.runEnd(s, start, end, OTHER);
            while (j < end && (s[j] == '\r' || s[j] == '\n')) {
                j++;
            }
            return j;
        }
        int j = Gpt2PreTokenizer.runEnd(s, i, end, SPACE);
        for (int k = j - 1; k >= i; k--) {
            if (s[k] == '\r' || s[k] == '\n') {
                return k + 1;
            }
        }
        return j < end && j - i >= 2 ? j - 1 : j;
    }
}
