package ai.stratum.model;

/**
 * One sequence decoded a token at a time: a {@link BatchDecodeSession} of one slot fed one row per call, so
 * appending token p costs O(p) attention instead of a forward over the whole prefix. Computes what
 * {@link Decoder#forward} computes for the prefix (dropout off), reading the model's current parameters and
 * adapters.
 */
final class DecodeSession implements InferenceSession {

    private static final int[] SLOT = {0};

    private final BatchDecodeSession session;
    private final int maxTokens;
    private boolean closed;

    DecodeSession(Decoder model, int maxTokens) {
        this.session = new BatchDecodeSession(model, 1, maxTokens, 1, 1);
        this.maxTokens = maxTokens;
    }

    @Override
    public float[] append(int token) {
        if (closed) {
            throw new IllegalStateException("this inference session is closed");
        }
        if (session.length(0) == maxTokens) {
            throw new IllegalStateException("inference session is full: it holds max_tokens=" + maxTokens
                    + " tokens; start a new session with a shorter prompt or more max_tokens");
        }
        return session.append(SLOT, new int[] {token})[0];
    }

    @Override
    public int length() {
        return session.length(0);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            session.close();
        }
    }
}
