package ai.stratum.quality;

import ai.stratum.hf.BaseModel;
import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.tokenizer.Tokenizer;
import ai.stratum.train.NonFinite;
import ai.stratum.train.checkpoint.Checkpoints;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * A Stratum checkpoint of any family (or a Hugging Face directory {@link BaseModel} reads), with the tokenizer of
 * its directory, run forward-only to score text: the negative log-likelihood of a document's tokens
 * ({@link #nll}) and the next-token logits after a prompt ({@link #nextLogits}).
 *
 * <p>Thread-safe by serialization: one {@link Decoder} (weights and activations for {@code batch} x
 * {@code seqLen}) and every call {@code synchronized} on it. Per-thread decoders would multiply the activation
 * memory (and the weights, which a decoder owns) by the worker count for no speed: each forward's matmuls already
 * run on every core through OpenBLAS/OpenMP, so two forwards side by side on 2 cores only oversubscribe them.
 * While one pipeline worker waits for the model the others go on with their cheaper steps.
 */
public final class ScoringModel implements AutoCloseable {
    /** The window when none is asked for: the context length, at most this (a 128k-context model's activations for
     * its whole context would not fit in memory, and scoring needs no more). */
    public static final int DEFAULT_MAX_SEQ_LEN = 2048;
    private final Path dir;
    private final Tokenizer tokenizer;
    private final Decoder decoder;
    private final int batch;
    private final int seqLen;
    /** What comes before a document's first token: the post-processor's tokens (a BOS), else end-of-text. */
    private final int[] start;
    private final boolean postProcessed;

    private ScoringModel(Path dir, Tokenizer tokenizer, Decoder decoder, int batch, int seqLen, int[] start,
                         boolean postProcessed) {
        this.dir = dir;
        this.tokenizer = tokenizer;
        this.decoder = decoder;
        this.batch = batch;
        this.seqLen = seqLen;
        this.start = start;
        this.postProcessed = postProcessed;
    }

    /**
     * Opens a checkpoint directory (or a run directory, for its {@code latest}) for forwards of up to
     * {@code batch} rows of {@code seqLen} tokens ({@code seqLen} 0: the model's context length; larger is capped to
     * it).
     */
    public static ScoringModel open(Path checkpointOrRun, int batch, int seqLen) throws IOException {
        if (batch < 1) {
            throw new IllegalArgumentException("batch: at least 1, got " + batch);
        }
        if (seqLen < 0 || seqLen == 1) {
            throw new IllegalArgumentException("seq_len: 0 (the model's context, at most " + DEFAULT_MAX_SEQ_LEN
                    + ") or at least 2, got " + seqLen);
        }
        Path dir = Checkpoints.resolve(checkpointOrRun);
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IllegalArgumentException(dir + ": not a checkpoint directory (no config.json); pass a "
                    + "checkpoint (RUN/checkpoints/step-N), a run directory, or a Hugging Face model directory");
        }
        BaseModel base = BaseModel.open(dir, List.of());
        ModelConfig config = base.config();
        int t = Math.min(seqLen == 0 ? DEFAULT_MAX_SEQ_LEN : seqLen, config.contextLength());
        Tokenizer tok = base.tokenizer();
        int[] bos = tok.encode("", Set.of(), true);
        boolean post = bos.length > 0;
        int[] start = post ? bos : new int[] {base.endOfText()};
        Decoder decoder = base.load(batch, t, DataType.FLOAT, false);
        long bad = NonFinite.count(decoder.params());
        if (bad > 0) {
            decoder.close();
            throw new IllegalArgumentException(dir + ": " + bad + " weights are NaN or infinite (the run had diverged "
                    + "when it was saved); use an earlier checkpoint");
        }
        return new ScoringModel(dir, tok, decoder, batch, t, start, post);
    }

    public Path dir() {
        return dir;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public ModelConfig config() {
        return decoder.config();
    }

    /** The tokens a document starts with ({@link #documentIds}): BOS from the post-processor, else end-of-text. */
    public int[] startIds() {
        return start.clone();
    }

    /** Tokens per window (forward row). */
    public int seqLen() {
        return seqLen;
    }

    public int batch() {
        return batch;
    }

    /**
     * A document as the model saw documents in training: the start tokens (the tokenizer's post-processor's, e.g.
     * Llama's BOS, when it adds any; otherwise end-of-text, which Stratum's shards put before every document), then
     * the text's tokens (and whatever the post-processor appends).
     */
    public int[] documentIds(String text) {
        if (postProcessed) {
            return tokenizer.encode(text, Set.of(), true);
        }
        int[] body = tokenizer.encodeOrdinary(text);
        int[] ids = new int[start.length + body.length];
        System.arraycopy(start, 0, ids, 0, start.length);
        System.arraycopy(body, 0, ids, start.length, body.length);
        return ids;
    }

    /**
     * Summed negative log-likelihood (nats) of {@code ids[1..]}, each token predicted from the ones before it in
     * its window, and the number of tokens predicted. The ids are cut into windows of {@link #seqLen()} + 1 that
     * overlap by one token (window w predicts {@code ids[w*T + 1 .. w*T + T]} from {@code ids[w*T .. w*T + T - 1]}),
     * so every token but the first is predicted exactly once and the context restarts at each window; windows run
     * {@link #batch()} at a time, the last one padded with targets that count for nothing. A single window runs at
     * its own length.
     *
     * @return {sum of -log p, tokens predicted}
     */
    public double[] nll(int[] ids) {
        int targets = ids.length - 1;
        if (targets < 1) {
            return new double[] {0, 0};
        }
        int t = seqLen;
        int windows = (targets + t - 1) / t;
        synchronized (decoder) {
            if (windows == 1) {
                float ce = decoder.forward(Arrays.copyOf(ids, targets), Arrays.copyOfRange(ids, 1, ids.length), 1,
                        targets, false, 0L);
                return new double[] {(double) ce * targets, targets};
            }
            double sum = 0;
            for (int w0 = 0; w0 < windows; w0 += batch) {
                int b = Math.min(batch, windows - w0);
                int[] x = new int[b * t];
                int[] y = new int[b * t];
                int counted = 0;
                for (int r = 0; r < b; r++) {
                    int from = (w0 + r) * t;
                    for (int i = 0; i < t; i++) {
                        int at = from + i;
                        boolean real = at + 1 < ids.length;
                        x[r * t + i] = real ? ids[at] : 0;
                        y[r * t + i] = real ? ids[at + 1] : -1;
                        counted += real ? 1 : 0;
                    }
                }
                sum += (double) decoder.forward(x, y, b, t, false, 0L) * counted;
            }
            return new double[] {sum, targets};
        }
    }

    /**
     * The logits (V) for the token after {@code prompt} (at most {@link #seqLen()} tokens), from one forward
     * without targets.
     */
    public float[] nextLogits(int[] prompt) {
        if (prompt.length < 1 || prompt.length > seqLen) {
            throw new IllegalArgumentException("prompt: 1 to " + seqLen + " tokens (the scoring window), got "
                    + prompt.length);
        }
        synchronized (decoder) {
            decoder.forward(prompt, null, 1, prompt.length, false, 0L);
            return decoder.logitsAt(0, prompt.length - 1);
        }
    }

    @Override
    public void close() {
        synchronized (decoder) {
            decoder.close();
        }
    }
}
