package ai.stratum.data.shard;

import ai.stratum.tokenizer.Tokenizer;

import java.nio.file.Path;

/** The project's BPE tokenizer as the shard step's encoder (ordinary encoding: special-token text stays text). */
public final class TokenizerEncoder implements TextEncoder {
    private final Tokenizer tokenizer;
    private final int eot;

    public TokenizerEncoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.eot = tokenizer.specialTokenId(Tokenizer.END_OF_TEXT).orElseThrow(() -> new IllegalArgumentException(
                "tokenizer: it has no " + Tokenizer.END_OF_TEXT + " special token, which llm.c shards put before "
                        + "each document; add it when training the tokenizer"));
    }

    /** Loads a {@code tokenizer.json} (or a directory with one, or with GPT-2's encoder.json and vocab.bpe). */
    public static TokenizerEncoder load(Path path) {
        return new TokenizerEncoder(Tokenizer.load(path));
    }

    @Override
    public int[] encode(String text) {
        return tokenizer.encodeOrdinary(text);
    }

    @Override
    public int eotId() {
        return eot;
    }

    @Override
    public int vocabSize() {
        return tokenizer.vocabSize();
    }

    @Override
    public String fingerprint() {
        return tokenizer.fingerprint();
    }
}
