package ai.stratum.tokenizer;

/**
 * A hand-written equivalent of one split regex (Isolated behaviour): where the pre-token that starts at
 * {@code i} ends. Much faster than {@code java.util.regex} and allocation-free; each is tested equal to the
 * regex it replaces on large text.
 */
interface SplitScanner {
    /** The end (exclusive) of the pre-token that starts at {@code i} in {@code s[i, end)}; requires {@code i < end}. */
    int tokenEnd(char[] s, int i, int end);

    /** GPT-2's pattern ({@link Gpt2PreTokenizer#PATTERN}). */
    SplitScanner GPT2 = Gpt2PreTokenizer::tokenEnd;

    /** The scanner for a regex, or null if it has none. */
    static SplitScanner forPattern(String regex) {
        if (regex.equals(Gpt2PreTokenizer.PATTERN)) {
            return GPT2;
        }
        if (regex.equals(Cl100kPreTokenizer.LLAMA3_PATTERN)) {
            return Cl100kPreTokenizer.LLAMA3;
        }
        if (regex.equals(Cl100kPreTokenizer.QWEN2_PATTERN)) {
            return Cl100kPreTokenizer.QWEN2;
        }
        return null;
    }
}
