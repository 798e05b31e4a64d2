package ai.stratum.tokenizer;

/**
 * One entry of tokenizer.json's {@code added_tokens}: matched in the text before the model sees it.
 *
 * @param special a special token (BOS, end-of-turn...): matched only when the caller allows it, and skipped
 *     by {@code decode(ids, true)}; other added tokens are always matched, as in Hugging Face
 * @param singleWord matched only when not inside a word
 * @param lstrip the match takes the whitespace before it
 * @param rstrip the match takes the whitespace after it
 * @param normalized matched in the normalized text rather than the raw text
 */
record AddedToken(int id, String content, boolean special, boolean singleWord, boolean lstrip, boolean rstrip,
                  boolean normalized) {
    AddedToken {
        if (content == null || content.isEmpty()) {
            throw new IllegalArgumentException("added token with id " + id + " has empty content");
        }
        if (id < 0) {
            throw new IllegalArgumentException("added token '" + content + "' has negative id " + id);
        }
    }

    static AddedToken special(int id, String content) {
        return new AddedToken(id, content, true, false, false, false, false);
    }
}
