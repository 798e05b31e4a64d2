package ai.stratum.train;

import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import org.bytedeco.javacpp.Pointer;

import java.util.Locale;

/**
 * The memory a model needs for a (batch, seq_len) step, from its config alone, so that a size that cannot fit is
 * refused by name before anything is allocated (instead of ND4J's {@code Allocation failed} halfway through).
 *
 * <p>Counted in values of {@code bytesPerValue}: the parameters (every family's, from {@link
 * ParameterLayout#decoder}); their gradients and AdamW's two moments when the base weights train; the activations a
 * training step keeps per layer for the backward (two norms' inputs, q/k/v of {@code n_head + 2 n_kv_head} heads of
 * {@code head_dim}, the (B, n_head, T, T) attention probabilities, the attention output, the residuals, and the MLP's
 * hidden of {@code intermediate_size} twice for GELU or three times for SwiGLU); the logits and their gradient,
 * (B * T, vocab_size) each. Scratch buffers and the small per-position statistics are left out: the estimate is a
 * floor, and a config above it cannot run.
 *
 * @param parameters    bytes of the weights
 * @param gradients     bytes of the weights' gradients (0 when the base is frozen or for inference)
 * @param optimizer     bytes of AdamW's moments (0 when the base is frozen or for inference)
 * @param activations   bytes of the per-layer activations for (batch, seq_len)
 * @param logits        bytes of the logits and their gradient for (batch, seq_len)
 */
public record MemoryEstimate(long parameters, long gradients, long optimizer, long activations, long logits) {

    /**
     * The names the caller gives its sizes in messages: the config keys of a training run
     * ({@link #TRAINING_KEYS}) or a command's flags ({@code --batch-size}).
     */
    public record Keys(String batch, String seqLen) {
    }

    public static final Keys TRAINING_KEYS = new Keys("train.micro_batch_size", "train.seq_len");

    /** A training step's memory; {@code trainsBase} is false when only adapters train over a frozen base. */
    public static MemoryEstimate training(ModelConfig m, int batch, int seqLen, int bytesPerValue, boolean trainsBase) {
        long params = ParameterLayout.decoder(m).size() * bytesPerValue;
        long trained = trainsBase ? params : 0;
        return new MemoryEstimate(params, trained, 2 * trained, activations(m, batch, seqLen) * bytesPerValue,
                2L * batch * seqLen * m.vocabSize() * bytesPerValue);
    }

    /** An evaluation or generation forward over (batch, seq_len): weights, activations and logits. */
    public static MemoryEstimate inference(ModelConfig m, int batch, int seqLen, int bytesPerValue) {
        return new MemoryEstimate(ParameterLayout.decoder(m).size() * bytesPerValue, 0, 0,
                activations(m, batch, seqLen) * bytesPerValue, (long) batch * seqLen * m.vocabSize() * bytesPerValue);
    }

    /**
     * A frozen distillation teacher run live over (batch, seq_len), in float: its weights and the activations its
     * forward fills; no logits, since the teacher's rows are projected in blocks inside the student's LM head.
     */
    public static MemoryEstimate teacher(ModelConfig m, int batch, int seqLen) {
        return new MemoryEstimate(ParameterLayout.decoder(m).size() * Float.BYTES, 0, 0,
                activations(m, batch, seqLen) * Float.BYTES, 0);
    }

    /** Values kept per training step for the backward, summed over layers. */
    static long activations(ModelConfig m, int batch, int seqLen) {
        long n = (long) batch * seqLen;
        long c = m.dModel();
        long q = (long) m.nHead() * m.headDim();
        int mlpCopies = m.mlp() == ModelConfig.Mlp.SWIGLU ? 3 : 2;
        // norm inputs, residuals (4 C), q/k/v, attention output (q), MLP hidden; attention probabilities
        long perLayer = n * (4 * c + m.qkvDim() + q + (long) mlpCopies * m.mlpDim())
                + (long) batch * m.nHead() * seqLen * seqLen;
        return m.nLayer() * perLayer + 2 * n * c;
    }

    public long total() {
        return parameters + gradients + optimizer + activations + logits;
    }

    /**
     * Bytes ND4J may still allocate. Its native buffers are not counted in JavaCPP's {@code maxBytes}; what stops
     * them is JavaCPP's cap on the process's resident memory ({@code -Dorg.bytedeco.javacpp.maxPhysicalBytes}, by
     * default a multiple of {@code -Xmx}; measured: with {@code -Xmx256m} a 1.2 GB buffer was allocated and the
     * next allocation failed at 1024 MB resident) and the machine's free memory. So: the smaller of that cap minus
     * the resident memory now, and the memory the system reports available.
     */
    public static long available() {
        long cap = Pointer.maxPhysicalBytes() > 0 ? Pointer.maxPhysicalBytes() - Pointer.physicalBytes()
                : Long.MAX_VALUE;
        long free = Pointer.availablePhysicalBytes();
        return Math.max(0, free > 0 ? Math.min(cap, free) : cap);
    }

    /** {@link #check(ModelConfig, int, int, Keys, long)} against {@link #available()}. */
    public void check(ModelConfig m, int batch, int seqLen, Keys keys) {
        check(m, batch, seqLen, keys, available());
    }

    /**
     * Refuses an estimate above {@code availableBytes} with an {@link IllegalArgumentException} that names the key
     * to lower (of the largest part) and every part of the estimate.
     */
    public void check(ModelConfig m, int batch, int seqLen, Keys keys, long availableBytes) {
        if (total() <= availableBytes) {
            return;
        }
        long weights = parameters + gradients + optimizer;
        long embedding = (long) m.vocabSize() * m.dModel();
        String key;
        if (activations >= weights && activations >= logits) {
            key = keys.batch() + " (or " + keys.seqLen() + ")";
        } else if (logits >= weights) {
            key = keys.batch() + " (or model.vocab_size)";
        } else {
            key = embedding * 2 > ParameterLayout.decoder(m).size() ? "model.vocab_size (or model.d_model)"
                    : "model.d_model (or model.n_layer)";
        }
        String leadKey = key.substring(0, key.indexOf(' '));
        throw new IllegalArgumentException(leadKey + ": the model needs an estimated " + gib(total())
                + " (parameters " + gib(parameters)
                + (gradients > 0 ? ", gradients " + gib(gradients) + ", AdamW moments " + gib(optimizer) : "")
                + ", activations " + gib(activations) + " for " + keys.batch() + " " + batch + " x " + keys.seqLen()
                + " " + seqLen + ", logits " + gib(logits) + " for model.vocab_size " + m.vocabSize() + ") but only "
                + gib(availableBytes) + " are available (free memory, and JavaCPP's cap on resident memory "
                + "-Dorg.bytedeco.javacpp.maxPhysicalBytes, by default a multiple of -Xmx); lower " + key
                + " or give the JVM more memory");
    }

    /** Bytes as GiB with two decimals, for messages. */
    public static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
