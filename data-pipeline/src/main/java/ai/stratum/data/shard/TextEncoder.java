package ai.stratum.data.shard;

/** The tokenizer as the shard step sees it. Implementations must be safe to call from several threads. */
public interface TextEncoder {
    /** Token ids of ordinary text (special-token spellings in the text are encoded as text). */
    int[] encode(String text);

    /** The end-of-text token put before each document. */
    int eotId();

    /** One more than the largest id; decides uint16 or uint32 shards. */
    int vocabSize();

    /** A stable hash of the vocabulary and merges, written to the manifest so a trainer can check it. */
    String fingerprint();

    /**
     * Writes the files a trainer needs to decode these shards into {@code dir} (a tokenizer's {@code tokenizer.json}
     * and the config files beside it), so that checkpoints trained on them carry their tokenizer. Nothing by
     * default: the byte encoder's fingerprint says all a trainer needs.
     */
    default void writeTokenizerFiles(java.nio.file.Path dir) throws java.io.IOException {
    }
}
