package ai.stratum.model;

/** Incremental decoding over a KV cache: feed one token at a time, get the logits for the next one. */
public interface InferenceSession extends AutoCloseable {

    /** Appends {@code token} at position {@link #length()} and returns the logits (V) for the token after it. */
    float[] append(int token);

    /** Tokens appended so far. */
    int length();

    @Override
    void close();
}
