package ai.stratum.tokenizer;

/** The pre-tokenizer split patterns a tokenizer can be trained with, each with its hand-written scanner. */
public enum SplitPattern {
    /** GPT-2's: {@link Gpt2PreTokenizer#PATTERN}. */
    GPT2(Gpt2PreTokenizer.PATTERN, SplitScanner.GPT2),
    /** Llama 3's (cl100k family): numbers in runs of up to three digits, case-insensitive contractions. */
    LLAMA3(Cl100kPreTokenizer.LLAMA3_PATTERN, Cl100kPreTokenizer.LLAMA3),
    /** Qwen2's: as Llama 3's but one digit per pre-token. */
    QWEN2(Cl100kPreTokenizer.QWEN2_PATTERN, Cl100kPreTokenizer.QWEN2);

    private final String regex;
    private final SplitScanner scanner;

    SplitPattern(String regex, SplitScanner scanner) {
        this.regex = regex;
        this.scanner = scanner;
    }

    public String regex() {
        return regex;
    }

    SplitScanner scanner() {
        return scanner;
    }
}
