package ai.stratum.model;

import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.nn.Attention;
import ai.stratum.model.nn.Block;
import ai.stratum.model.nn.Buffers;
import ai.stratum.model.nn.Embedding;
import ai.stratum.model.nn.GeluMlp;
import ai.stratum.model.nn.LayerNorm;
import ai.stratum.model.nn.Linear;
import ai.stratum.model.nn.LinearLayer;
import ai.stratum.model.nn.LmHead;
import ai.stratum.model.nn.Mlp;
import ai.stratum.model.nn.Norm;
import ai.stratum.model.nn.Pass;
import ai.stratum.model.nn.RmsNorm;
import ai.stratum.model.nn.Rope;
import ai.stratum.model.nn.SwiGluMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The decoder of every family ({@link ModelConfig}: GPT-2, Llama, Mistral, Qwen2, Qwen3), composed of modules that
 * each own a forward and a backward ({@code ai.stratum.model.nn}), the llm.c way: parameters and gradients are
 * each one flat buffer laid out by {@link ParameterLayout#decoder} with a view per named tensor; activations are
 * allocated once for (maxBatch, maxSeqLen); all the work goes through {@link Kernels}.
 *
 * <p>A decoder built without gradients (a LoRA base) allocates no gradient buffer: its backward computes only
 * what flows to the inputs, and the adapters wrapping its linear layers ({@link #replaceLinear}) take their own
 * gradients. Not thread-safe; one instance per training or inference thread.
 */
public final class Decoder implements AutoCloseable {

    /** Logits up to this size are kept whole (one LM-head chunk); larger ones run in chunks of ~64 MiB. */
    private static final long WHOLE_LOGITS_BYTES = 256L << 20;
    private static final long CHUNK_BYTES = 64L << 20;

    private final ModelConfig config;
    private final ParameterLayout layout;
    private final DataType dtype;
    private final Kernels kernels;
    private final INDArray params;
    private final INDArray grads;
    private final Map<String, INDArray> paramViews = new LinkedHashMap<>();
    private final Map<String, INDArray> gradViews = new LinkedHashMap<>();
    private final Buffers buffers;
    private final Rope rope;
    private final Embedding embedding;
    private final Block[] blocks;
    private final Block.Acts[] acts;
    private final Norm norm;
    private final Norm.Stats normStats;
    private final LmHead head;
    private final int maxBatch;
    private final int maxSeqLen;
    private final INDArray encoded;  // (N, C) embeddings after dropout: block 0's input
    private final INDArray normed;   // (N, C) the final norm's output
    private final INDArray dresid;   // (N, C)
    private final INDArray dnormed;  // (N, C)
    private final Pass pass = new Pass();

    // the last forward, read by backward()
    private int[] tokens;
    private int[] targets;
    private int[] positions;
    private int[] segmentIds;
    private int targetCount;
    private boolean forwardDone;
    private boolean backwardPending;
    private boolean closed;

    /** A decoder with gradients (pretraining, full fine-tuning). */
    public Decoder(ModelConfig config, int maxBatch, int maxSeqLen, DataType dtype, Kernels kernels) {
        this(config, maxBatch, maxSeqLen, dtype, kernels, true);
    }

    /**
     * @param maxBatch      largest B a forward will see; activations are allocated for it once
     * @param maxSeqLen     largest T a forward will see, at most the config's context length
     * @param dtype         FLOAT for training, DOUBLE for gradient checks
     * @param withGradients false for a frozen model (a LoRA base, inference): no gradient buffer at all
     */
    public Decoder(ModelConfig config, int maxBatch, int maxSeqLen, DataType dtype, Kernels kernels,
                   boolean withGradients) {
        this(config, maxBatch, maxSeqLen, dtype, kernels, withGradients, 0);
    }

    /**
     * @param headChunkRows rows per LM-head chunk; 0 chooses by the memory budget (whole logits up to 256 MiB, else
     *                      chunks of ~64 MiB). Tests set it to run the chunked path on small models.
     */
    public Decoder(ModelConfig config, int maxBatch, int maxSeqLen, DataType dtype, Kernels kernels,
                   boolean withGradients, int headChunkRows) {
        if (headChunkRows < 0) {
            throw new IllegalArgumentException("head_chunk_rows: must be >= 0, got " + headChunkRows);
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("max_batch: must be at least 1, got " + maxBatch);
        }
        if (maxSeqLen < 1 || maxSeqLen > config.contextLength()) {
            throw new IllegalArgumentException("max_seq_len: must be in [1, context_length=" + config.contextLength()
                    + "], got " + maxSeqLen);
        }
        if (dtype != DataType.FLOAT && dtype != DataType.DOUBLE) {
            throw new IllegalArgumentException("dtype: FLOAT or DOUBLE, got " + dtype);
        }
        this.config = config;
        this.layout = ParameterLayout.decoder(config);
        this.dtype = dtype;
        this.kernels = kernels;
        this.maxBatch = maxBatch;
        this.maxSeqLen = maxSeqLen;
        this.params = Nd4j.zeros(dtype, layout.size());
        this.grads = withGradients ? Nd4j.zeros(dtype, layout.size()) : null;
        for (TensorSpec t : layout.tensors()) {
            paramViews.put(t.name(), Views.of(params, t.offset(), t.shape()));
            if (grads != null) {
                gradViews.put(t.name(), Views.of(grads, t.offset(), t.shape()));
            }
        }
        this.buffers = new Buffers(dtype);
        long rows = (long) maxBatch * maxSeqLen;
        int c = config.dModel();
        this.rope = config.positions() == ModelConfig.Positions.ROPE ? new Rope(config, dtype, kernels) : null;
        boolean learned = config.positions() == ModelConfig.Positions.LEARNED;
        this.embedding = new Embedding(p("tok_embeddings.weight"), g("tok_embeddings.weight"),
                learned ? p("pos_embeddings.weight") : null, learned ? g("pos_embeddings.weight") : null, kernels);
        this.blocks = new Block[config.nLayer()];
        this.acts = new Block.Acts[config.nLayer()];
        for (int l = 0; l < config.nLayer(); l++) {
            blocks[l] = block(l);
            acts[l] = blocks[l].acts(buffers, maxBatch, maxSeqLen);
        }
        this.norm = norm("norm");
        this.normStats = norm.stats(buffers, rows);
        String headName = config.tiedEmbeddings() ? "tok_embeddings.weight" : "lm_head.weight";
        long rowBytes = (long) config.vocabSize() * dtype.width();
        int chunk = headChunkRows > 0 ? (int) Math.min(rows, headChunkRows)
                : rows * rowBytes <= WHOLE_LOGITS_BYTES ? (int) rows
                : (int) Math.max(1, Math.min(rows, CHUNK_BYTES / rowBytes));
        this.head = new LmHead(p(headName), g(headName), chunk, kernels, buffers);
        this.encoded = buffers.alloc(rows * c);
        this.normed = buffers.alloc(rows * c);
        this.dresid = buffers.alloc(rows * c);
        this.dnormed = buffers.alloc(rows * c);
    }

    private INDArray p(String name) {
        return paramViews.get(name);
    }

    /** The gradient view, or null when the decoder has none (frozen) or the tensor does not exist. */
    private INDArray g(String name) {
        return gradViews.get(name);
    }

    private Norm norm(String prefix) {
        if (config.norm() == ModelConfig.Norm.LAYER_NORM) {
            return new LayerNorm(p(prefix + ".weight"), p(prefix + ".bias"), g(prefix + ".weight"),
                    g(prefix + ".bias"), config.normEps(), kernels, buffers);
        }
        return new RmsNorm(p(prefix + ".weight"), g(prefix + ".weight"), config.normEps(), kernels, buffers);
    }

    private Linear linear(String module) {
        return new Linear(module, p(module + ".weight"), p(module + ".bias"), g(module + ".weight"),
                g(module + ".bias"), kernels);
    }

    private Block block(int l) {
        String pre = "layers." + l + ".";
        RmsNorm qNorm = null;
        RmsNorm kNorm = null;
        if (config.qkNorm()) {
            qNorm = new RmsNorm(p(pre + "attn.q_norm.weight"), g(pre + "attn.q_norm.weight"), config.normEps(),
                    kernels, buffers);
            kNorm = new RmsNorm(p(pre + "attn.k_norm.weight"), g(pre + "attn.k_norm.weight"), config.normEps(),
                    kernels, buffers);
        }
        Attention attention = new Attention(config, l, linear(pre + "attn.qkv"), linear(pre + "attn.proj"), qNorm,
                kNorm, rope, kernels);
        Mlp mlp = config.mlp() == ModelConfig.Mlp.SWIGLU
                ? new SwiGluMlp(linear(pre + "mlp.fc"), linear(pre + "mlp.proj"), kernels)
                : new GeluMlp(linear(pre + "mlp.fc"), linear(pre + "mlp.proj"), kernels);
        return new Block(l, config.dModel(), norm(pre + "attn_norm"), attention, norm(pre + "mlp_norm"), mlp,
                kernels);
    }

    public ModelConfig config() {
        return config;
    }

    public ParameterLayout layout() {
        return layout;
    }

    public DataType dataType() {
        return dtype;
    }

    public Kernels kernels() {
        return kernels;
    }

    /** All parameters, flat [P] in layout order. */
    public INDArray params() {
        return params;
    }

    /** All gradients, flat [P] in layout order; null for a decoder built without gradients. */
    public INDArray grads() {
        return grads;
    }

    public boolean hasGradients() {
        return grads != null;
    }

    /** The view of one parameter tensor, shaped as its {@link TensorSpec#shape()}. */
    public INDArray param(String name) {
        layout.get(name);
        return paramViews.get(name);
    }

    public INDArray grad(String name) {
        layout.get(name);
        if (grads == null) {
            throw new IllegalStateException("grad: this decoder was built without gradients (a frozen base)");
        }
        return gradViews.get(name);
    }

    /** The layer currently in a module's slot (a {@link Linear} or a wrapper around it). */
    public LinearLayer linearLayer(String module) {
        return slot(module, null);
    }

    /** Puts {@code layer} (typically a LoRA wrapper around the current one) into a module's slot. */
    public void replaceLinear(String module, LinearLayer layer) {
        slot(module, layer);
    }

    private LinearLayer slot(String module, LinearLayer replacement) {
        String[] parts = module.split("\\.", 3);
        if (parts.length != 3 || !parts[0].equals("layers") || !parts[1].matches("\\d+")
                || Integer.parseInt(parts[1]) >= config.nLayer()) {
            throw new IllegalArgumentException("module: no linear layer '" + module + "'");
        }
        Block b = blocks[Integer.parseInt(parts[1])];
        LinearLayer current = switch (parts[2]) {
            case "attn.qkv" -> b.attention().qkv();
            case "attn.proj" -> b.attention().proj();
            case "mlp.fc" -> b.mlp().fc();
            case "mlp.proj" -> b.mlp().proj();
            default -> throw new IllegalArgumentException("module: no linear layer '" + module + "'");
        };
        if (replacement != null) {
            if (replacement.base() != current.base()) {
                throw new IllegalArgumentException("module: " + module + " can only be replaced by a wrapper of its "
                        + "own layer");
            }
            switch (parts[2]) {
                case "attn.qkv" -> b.attention().setQkv(replacement);
                case "attn.proj" -> b.attention().setProj(replacement);
                case "mlp.fc" -> b.mlp().setFc(replacement);
                default -> b.mlp().setProj(replacement);
            }
        }
        return current;
    }

    /**
     * A KV-cached decoder over this model's current parameters (and adapters), for up to {@code maxTokens} (at
     * most the context length) tokens. Sessions are independent of training buffers and of each other.
     */
    public InferenceSession newSession(int maxTokens) {
        checkOpen();
        return new DecodeSession(this, maxTokens);
    }

    /**
     * A KV-cached decoder of {@code slots} sequences at once over this model's current parameters (and adapters),
     * each up to {@code maxTokens} (at most the context length) tokens, taking up to {@code maxRows} rows per call
     * (at most this decoder's max_batch * max_seq_len, the rows its adapters were built for). Independent of the
     * training buffers and of other sessions.
     */
    public BatchDecodeSession newBatchSession(int slots, int maxTokens, int maxRows) {
        checkOpen();
        return new BatchDecodeSession(this, slots, maxTokens, maxRows, maxBatch * maxSeqLen);
    }

    /** Times every following forward and backward by kind of layer into {@code profile}; null stops timing. */
    public void profile(StepProfile profile) {
        pass.profile(profile);
    }

    /** Bytes of the activation and scratch buffers. */
    public long activationBytes() {
        return buffers.bytes();
    }

    /**
     * Initialization for pretraining, every family alike: weights N(0, 0.02), the residual projections
     * ({@code attn.proj}, {@code mlp.proj}) N(0, 0.02 / sqrt(2 * n_layer)), biases 0, norm weights 1.
     */
    public void initWeights(long seed) {
        initWeights(config, params, seed);
    }

    /**
     * {@link #initWeights(long)} into any flat buffer laid out by {@link ParameterLayout#decoder} of {@code config}
     * (FLOAT or DOUBLE), without building a decoder: what {@code stratum init} writes to disk.
     */
    public static void initWeights(ModelConfig config, INDArray params, long seed) {
        ParameterLayout layout = ParameterLayout.decoder(config);
        if (params.length() != layout.size()) {
            throw new IllegalArgumentException("params: " + params.length() + " elements, the layout has "
                    + layout.size());
        }
        SplittableRandom rng = new SplittableRandom(seed);
        double projStd = 0.02 / Math.sqrt(2.0 * config.nLayer());
        for (TensorSpec t : layout.tensors()) {
            String name = t.name();
            INDArray v = Views.of(params, t.offset(), t.length());
            boolean isNorm = name.endsWith("norm.weight") || name.endsWith("norm.bias");
            if (isNorm) {
                v.assign(name.endsWith(".weight") ? 1.0 : 0.0);
            } else if (name.endsWith(".bias")) {
                v.assign(0.0);
            } else {
                double std = name.endsWith("attn.proj.weight") || name.endsWith("mlp.proj.weight") ? projStd : 0.02;
                fillGaussian(params, t, std, rng);
            }
        }
    }

    /**
     * Fills a tensor in slices of 1M values through one reused scratch array, so a large embedding needs neither
     * an array of its size on the heap nor a temporary native buffer per slice.
     */
    private static void fillGaussian(INDArray params, TensorSpec t, double std, SplittableRandom rng) {
        long n = t.length();
        int slice = (int) Math.min(n, 1 << 20);
        try (INDArray scratch = Nd4j.create(params.dataType(), slice)) {
            double[] values = new double[slice];
            for (long start = 0; start < n; start += slice) {
                int len = (int) Math.min(slice, n - start);
                for (int i = 0; i < len; i++) {
                    values[i] = std * rng.nextGaussian();
                }
                scratch.data().setData(values);
                Views.of(params, t.offset() + start, len).assign(len == slice ? scratch : Views.of(scratch, 0, len));
            }
        }
    }

    public void zeroGrads() {
        if (grads != null) {
            grads.assign(0.0);
        }
    }

    /** {@link #forward(int[], int[], int, int, boolean, long, int[])} with one attention segment per row. */
    public float forward(int[] tokens, int[] targets, int B, int T, boolean training, long dropoutSeed) {
        return forward(tokens, targets, B, T, training, dropoutSeed, null);
    }

    /**
     * Runs the model on {@code tokens} (B, T) row-major.
     *
     * @param targets     (B, T) next-token ids; a negative id means "no loss here" (e.g. prompt tokens in SFT);
     *                    null computes logits only
     * @param training    false disables dropout
     * @param dropoutSeed dropout masks are a pure function of (this seed, site, position)
     * @param segmentIds  (B, T) or null: position i attends to j only if j <= i and both have the same segment id,
     *                    so examples packed into one row do not see each other; positions restart at 0 where the
     *                    id changes, so a packed example computes exactly what it computes alone
     * @return the mean cross-entropy over positions with a target (0 if there are none); NaN if targets is null
     */
    public float forward(int[] tokens, int[] targets, int B, int T, boolean training, long dropoutSeed,
                         int[] segmentIds) {
        INDArray h = hidden(tokens, targets, B, T, training, dropoutSeed, segmentIds);
        double lossSum = head.forward(h, this.targets, pass);
        forwardDone = true;
        backwardPending = targets != null;
        if (targets == null) {
            targetCount = 0;
            return Float.NaN;
        }
        targetCount = (int) Arrays.stream(targets).filter(t -> t >= 0).count();
        return targetCount == 0 ? 0f : (float) (lossSum / targetCount);
    }

    /**
     * The final norm's output (N, C) for {@code tokens} (B, T), without dropout and without the LM head: what a
     * frozen teacher computes once per micro-batch, its logits then projected chunk by chunk with
     * {@link #projectLogits}. The view is valid until the next forward; no backward follows.
     */
    public INDArray forwardHidden(int[] tokens, int B, int T, int[] segmentIds) {
        INDArray h = hidden(tokens, null, B, T, false, 0, segmentIds);
        forwardDone = false;
        backwardPending = false;
        return h;
    }

    /** out (R, V) = hidden (R, C) W_head^T: logits of rows of {@link #forwardHidden}'s output. */
    public void projectLogits(INDArray out, INDArray hidden) {
        head.project(out, hidden);
    }

    /** Rows per LM-head chunk (all the rows of a batch when its logits fit the memory budget). */
    public int headChunkRows() {
        return head.chunkRows();
    }

    /**
     * The loss of every following forward with targets, per LM-head chunk ({@link LmHead.RowLoss}, e.g.
     * distillation); {@code null}, the default, is cross-entropy. The forward still returns the summed loss over
     * the rows with a target divided by their count, and the backward scales by the same count.
     */
    public void setLoss(LmHead.RowLoss loss) {
        head.setLoss(loss);
    }

    /** Embedding, blocks and the final norm: the (N, C) input of the head. */
    private INDArray hidden(int[] tokens, int[] targets, int B, int T, boolean training, long dropoutSeed,
                            int[] segmentIds) {
        checkOpen();
        validate(tokens, targets, segmentIds, B, T);
        if (B != pass.batch() || T != pass.seqLen()) {
            buffers.clearViews();
        }
        int n = B * T;
        int c = config.dModel();
        // copies (the caller may reuse its arrays before backward), into the last step's arrays when they fit
        this.tokens = copyInto(this.tokens, tokens);
        this.targets = copyInto(this.targets, targets);
        this.segmentIds = copyInto(this.segmentIds, segmentIds);
        this.positions = positions(positions != null && positions.length == n ? positions : new int[n],
                this.segmentIds, B, T);
        double p = training ? config.dropout() : 0.0;
        pass.set(B, T, this.positions, this.segmentIds, p, dropoutSeed);
        pass.start();

        INDArray x = buffers.view(encoded, n, c);
        embedding.forward(x, this.tokens, this.positions, pass);
        if (pass.dropoutOn()) {
            kernels.dropout(x, p, dropoutSeed, 0);
        }
        for (int l = 0; l < blocks.length; l++) {
            x = blocks[l].forward(x, acts[l], pass);
        }
        INDArray h = buffers.view(normed, n, c);
        norm.forward(h, x, normStats);
        pass.lap(StepProfile.Kind.NORM, false);
        return h;
    }

    /**
     * Accumulates d(lossScale * loss)/d(params) into {@link #grads()} (and into the adapters' gradients), once for
     * the last forward with targets. Call {@link #zeroGrads()} first unless accumulating over micro-batches.
     */
    public void backward(float lossScale) {
        checkOpen();
        if (!backwardPending) {
            throw new IllegalStateException("backward needs a forward with targets first, and runs once per forward");
        }
        backwardPending = false;
        if (targetCount == 0) {
            return;
        }
        int n = pass.rows();
        int c = config.dModel();
        pass.start();
        INDArray h = buffers.view(normed, n, c);
        INDArray dh = buffers.view(dnormed, n, c);
        head.backward(dh, h, targets, (double) lossScale / targetCount, pass);
        INDArray dx = buffers.view(dresid, n, c).assign(0.0);
        INDArray last = buffers.view(acts[blocks.length - 1].out(), n, c);
        norm.backward(dx, dh, last, normStats);
        pass.lap(StepProfile.Kind.NORM, true);
        for (int l = blocks.length - 1; l >= 0; l--) {
            INDArray input = l == 0 ? buffers.view(encoded, n, c) : buffers.view(acts[l - 1].out(), n, c);
            blocks[l].backward(dx, input, acts[l], pass);
        }
        if (grads == null) {
            return;
        }
        if (pass.dropoutOn()) {
            kernels.dropout(dx, pass.dropout(), pass.seed(), 0);
        }
        embedding.backward(dx, tokens, positions, pass);
    }

    /** Logits (B, T, V) of the last forward (only when they fit the LM head's single chunk). */
    public INDArray logits() {
        checkOpen();
        if (!forwardDone) {
            throw new IllegalStateException("logits: no forward has run yet");
        }
        return head.logits().reshape(pass.batch(), pass.seqLen(), config.vocabSize());
    }

    /**
     * Logits (V) of one position {@code (b, t)} of the last forward, projected again from the final norm's output:
     * available whether or not the LM head ran in chunks (a prompt scorer needs only the last position's).
     */
    public float[] logitsAt(int b, int t) {
        checkOpen();
        if (!forwardDone) {
            throw new IllegalStateException("logits: no forward has run yet");
        }
        if (b < 0 || b >= pass.batch() || t < 0 || t >= pass.seqLen()) {
            throw new IllegalArgumentException("position (" + b + ", " + t + ") is outside the last forward's ("
                    + pass.batch() + ", " + pass.seqLen() + ")");
        }
        int c = config.dModel();
        long row = (long) b * pass.seqLen() + t;
        INDArray h = buffers.view(normed, pass.rows(), c).getRow(row, true); // (1, C)
        try (INDArray out = Nd4j.create(dtype, 1, config.vocabSize())) {  // (1, V)
            head.project(out, h);
            return out.toFloatVector();
        }
    }

    /** A copy of {@code src} (null stays null), in {@code reuse} when that has the same length. */
    private static int[] copyInto(int[] reuse, int[] src) {
        if (src == null) {
            return null;
        }
        if (reuse == null || reuse.length != src.length) {
            return src.clone();
        }
        System.arraycopy(src, 0, reuse, 0, src.length);
        return reuse;
    }

    /**
     * Position of each token, written into {@code pos} (B * T): its index in the row, or in its segment when rows
     * pack several examples.
     */
    private static int[] positions(int[] pos, int[] segmentIds, int B, int T) {
        for (int b = 0; b < B; b++) {
            for (int t = 0; t < T; t++) {
                int i = b * T + t;
                boolean segmentStart = t == 0 || (segmentIds != null && segmentIds[i] != segmentIds[i - 1]);
                pos[i] = segmentStart ? 0 : pos[i - 1] + 1;
            }
        }
        return pos;
    }

    private void validate(int[] tokens, int[] targets, int[] segmentIds, int B, int T) {
        if (B < 1 || B > maxBatch) {
            throw new IllegalArgumentException("batch: must be in [1, " + maxBatch + "], got " + B);
        }
        if (T < 1 || T > maxSeqLen) {
            throw new IllegalArgumentException("seq_len: must be in [1, " + maxSeqLen + "], got " + T);
        }
        int n = B * T;
        if (tokens.length != n) {
            throw new IllegalArgumentException("tokens: expected B*T = " + n + " ids, got " + tokens.length);
        }
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= config.vocabSize()) {
                throw new IllegalArgumentException("tokens: id " + tokens[i] + " at position " + i
                        + " is outside the vocabulary [0, " + config.vocabSize() + ")");
            }
        }
        if (targets != null) {
            if (targets.length != n) {
                throw new IllegalArgumentException("targets: expected B*T = " + n + " ids, got " + targets.length);
            }
            for (int i = 0; i < n; i++) {
                if (targets[i] >= config.vocabSize()) {
                    throw new IllegalArgumentException("targets: id " + targets[i] + " at position " + i
                            + " is outside the vocabulary [0, " + config.vocabSize() + ")");
                }
            }
        }
        if (segmentIds != null && segmentIds.length != n) {
            throw new IllegalArgumentException("segment_ids: expected B*T = " + n + " ids, got " + segmentIds.length);
        }
    }

    // for DecodeSession: the same modules, run one row at a time
    Embedding embedding() {
        return embedding;
    }

    Block[] blocks() {
        return blocks;
    }

    Norm finalNorm() {
        return norm;
    }

    LmHead head() {
        return head;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this Decoder is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            buffers.close();
            if (rope != null) {
                rope.close();
            }
            params.close();
            if (grads != null) {
                grads.close();
            }
        }
    }
}
