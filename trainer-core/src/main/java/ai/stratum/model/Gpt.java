package ai.stratum.model;

import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.lora.LoraAdapters;
import ai.stratum.model.lora.LoraLinear;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A GPT-2-architecture decoder with a hand-written forward and backward, the llm.c way: parameters and gradients
 * are each one flat buffer laid out by {@link ParameterLayout} with a view per named tensor; activations are
 * allocated once for (maxBatch, maxSeqLen); every matmul is a gemm with transpose flags into a preallocated
 * output; element-wise work goes through {@link Kernels}.
 *
 * <p>Linear weights are GPT-2's Conv1D layout {@code [in, out]}: {@code y (N, out) = x (N, in) @ W + b}.
 * Not thread-safe; one instance per training or inference thread.
 */
public final class Gpt implements AutoCloseable {

    private final ModelConfig config;
    private final ParameterLayout layout;
    private final DataType dtype;
    private final Kernels kernels;
    private final INDArray params;
    private final INDArray grads;
    private final Map<String, INDArray> paramViews = new LinkedHashMap<>();
    private final Map<String, INDArray> gradViews = new LinkedHashMap<>();
    private final Block[] blocks;
    private final Block[] blockGrads;
    private final Activations acts;

    // LoRA: adapters[layer][kind] or null, and whether the base weights' gradients are skipped
    private static final int C_ATTN = 0;
    private static final int ATTN_PROJ = 1;
    private static final int C_FC = 2;
    private static final int MLP_PROJ = 3;
    private LoraLinear[][] adapters;
    private boolean baseFrozen;

    // the last forward, read by backward()
    private int batch;
    private int seqLen;
    private int[] tokens;
    private int[] targets;
    private int[] segmentIds;
    private int[] positions;
    private int targetCount;
    private boolean dropoutOn;
    private long dropoutSeed;
    private boolean forwardDone;
    private boolean backwardPending;
    private boolean closed;
    private StepProfile profile;

    /** Parameter views of one transformer block. */
    private record Block(INDArray ln1w, INDArray ln1b, INDArray attnW, INDArray attnB, INDArray projW,
                         INDArray projB, INDArray ln2w, INDArray ln2b, INDArray fcW, INDArray fcB,
                         INDArray fcProjW, INDArray fcProjB) {
        static Block of(Map<String, INDArray> views, int layer) {
            String p = "h." + layer + ".";
            return new Block(views.get(p + "ln_1.weight"), views.get(p + "ln_1.bias"),
                    views.get(p + "attn.c_attn.weight"), views.get(p + "attn.c_attn.bias"),
                    views.get(p + "attn.c_proj.weight"), views.get(p + "attn.c_proj.bias"),
                    views.get(p + "ln_2.weight"), views.get(p + "ln_2.bias"),
                    views.get(p + "mlp.c_fc.weight"), views.get(p + "mlp.c_fc.bias"),
                    views.get(p + "mlp.c_proj.weight"), views.get(p + "mlp.c_proj.bias"));
        }
    }

    /**
     * @param maxBatch  largest B a forward will see; activations are allocated for it once
     * @param maxSeqLen largest T a forward will see, at most the config's context length
     * @param dtype     FLOAT for training, DOUBLE for gradient checks
     */
    public Gpt(ModelConfig config, int maxBatch, int maxSeqLen, DataType dtype, Kernels kernels) {
        if (!config.hasGpt2Architecture() || config.scaleAttnByInverseLayerIdx()
                || config.normEps() != ModelConfig.LAYER_NORM_EPS) {
            throw new IllegalArgumentException("model: only GPT-2's architecture (layer_norm with norm_eps 1e-5, "
                    + "learned positions, gelu_tanh, biases, tied head) is implemented by this decoder: " + config);
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
        this.layout = ParameterLayout.gpt2(config);
        this.dtype = dtype;
        this.kernels = kernels;
        this.params = Nd4j.zeros(dtype, layout.size());
        this.grads = Nd4j.zeros(dtype, layout.size());
        for (TensorSpec t : layout.tensors()) {
            paramViews.put(t.name(), Views.of(params, t.offset(), t.shape()));
            gradViews.put(t.name(), Views.of(grads, t.offset(), t.shape()));
        }
        this.blocks = new Block[config.nLayer()];
        this.blockGrads = new Block[config.nLayer()];
        for (int l = 0; l < config.nLayer(); l++) {
            blocks[l] = Block.of(paramViews, l);
            blockGrads[l] = Block.of(gradViews, l);
        }
        this.acts = new Activations(config, maxBatch, maxSeqLen, dtype);
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

    /** All parameters, flat [P] in layout order. */
    public INDArray params() {
        return params;
    }

    /** All gradients, flat [P] in layout order. */
    public INDArray grads() {
        return grads;
    }

    /** The view of one parameter tensor, shaped as its {@link TensorSpec#shape()}. */
    public INDArray param(String name) {
        layout.get(name);
        return paramViews.get(name);
    }

    public INDArray grad(String name) {
        layout.get(name);
        return gradViews.get(name);
    }

    Kernels kernels() {
        return kernels;
    }

    /**
     * A KV-cached decoder over this model's current parameters, for up to {@code maxTokens} (at most the context
     * length) tokens. Sessions are independent of training buffers and of each other.
     */
    public InferenceSession newSession(int maxTokens) {
        checkOpen();
        return new KvCacheSession(this, maxTokens);
    }

    /** Times every following forward and backward by kind of layer into {@code profile}; null stops timing. */
    public void profile(StepProfile profile) {
        this.profile = profile;
    }

    private void lap(StepProfile.Kind kind, boolean isBackward) {
        if (profile != null) {
            profile.lap(kind, isBackward);
        }
    }

    /** Bytes of the activation and scratch buffers. */
    public long activationBytes() {
        return acts.bytes();
    }

    /**
     * GPT-2's initialization: weights N(0, 0.02), the residual projections ({@code c_proj}) N(0, 0.02 /
     * sqrt(2 * n_layer)), biases 0, LayerNorm weights 1 and biases 0.
     */
    public void initWeights(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double projStd = 0.02 / Math.sqrt(2.0 * config.nLayer());
        for (TensorSpec t : layout.tensors()) {
            INDArray v = paramViews.get(t.name());
            if (t.name().contains(".ln_") || t.name().startsWith("ln_f.")) {
                v.assign(t.name().endsWith(".weight") ? 1.0 : 0.0);
            } else if (t.name().endsWith(".bias")) {
                v.assign(0.0);
            } else {
                double std = t.name().endsWith("c_proj.weight") ? projStd : 0.02;
                double[] values = new double[(int) t.length()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = std * rng.nextGaussian();
                }
                v.assign(Nd4j.createFromArray(values).reshape(t.shape()).castTo(dtype));
            }
        }
    }

    public void zeroGrads() {
        grads.assign(0.0);
    }

    /** {@link #forward(int[], int[], int, int, boolean, long, int[])} with one attention segment per row. */
    public float forward(int[] tokens, int[] targets, int B, int T, boolean training, long dropoutSeed) {
        return forward(tokens, targets, B, T, training, dropoutSeed, null);
    }

    /**
     * Runs the model on {@code tokens} (B, T) row-major.
     *
     * @param targets    (B, T) next-token ids; a negative id means "no loss here" (e.g. prompt tokens in SFT);
     *                   null computes logits only
     * @param training   false disables dropout
     * @param dropoutSeed dropout masks are a pure function of (this seed, site, position)
     * @param segmentIds (B, T) or null: position i attends to j only if j <= i and both have the same segment id,
     *                   so examples packed into one row do not see each other; positions restart at 0 where the
     *                   id changes, so a packed example computes exactly what it computes alone
     * @return the mean cross-entropy over positions with a target (0 if there are none); NaN if targets is null
     */
    public float forward(int[] tokens, int[] targets, int B, int T, boolean training, long dropoutSeed,
                         int[] segmentIds) {
        checkOpen();
        validate(tokens, targets, segmentIds, B, T);
        if (B != batch || T != seqLen) {
            acts.clearViews();
        }
        this.batch = B;
        this.seqLen = T;
        // copies (the caller may reuse its arrays before backward), into the last step's arrays when they fit
        this.tokens = copyInto(this.tokens, tokens);
        this.targets = copyInto(this.targets, targets);
        this.segmentIds = copyInto(this.segmentIds, segmentIds);
        this.positions = positions(positions != null && positions.length == B * T ? positions : new int[B * T],
                this.segmentIds, B, T);
        this.dropoutOn = training && config.dropout() > 0;
        this.dropoutSeed = dropoutSeed;
        int n = B * T;
        int c = config.dModel();
        int v = config.vocabSize();

        if (profile != null) {
            profile.start();
        }
        INDArray encoded = acts.view(acts.encoded, n, c);
        kernels.embeddingForward(encoded, this.tokens, positions, paramViews.get("wte.weight"),
                paramViews.get("wpe.weight"));
        dropout(encoded, 0);
        lap(StepProfile.Kind.EMBEDDING, false);
        INDArray residual = encoded;
        for (int l = 0; l < config.nLayer(); l++) {
            residual = blockForward(l, residual, B, T);
        }
        INDArray lnf = acts.view(acts.lnf, n, c);
        kernels.layerNormForward(lnf, acts.view(acts.lnfMean, n), acts.view(acts.lnfRstd, n), residual,
                paramViews.get("ln_f.weight"), paramViews.get("ln_f.bias"), config.normEps());
        lap(StepProfile.Kind.LAYER_NORM, false);
        // logits (N, V) = lnf (N, C) @ wte^T (C, V): the head is tied to the token embedding
        INDArray logits = acts.view(acts.logits, n, v);
        kernels.matmul(logits, lnf, paramViews.get("wte.weight"), false, true, 1.0, 0.0);
        forwardDone = true;
        backwardPending = targets != null;
        if (targets == null) {
            targetCount = 0;
            lap(StepProfile.Kind.LM_HEAD, false);
            return Float.NaN;
        }
        targetCount = (int) java.util.Arrays.stream(targets).filter(t -> t >= 0).count();
        // the backward's dlogits too: the gradient of the summed loss, scaled there
        double lossSum = kernels.crossEntropy(acts.view(acts.dlogits, n, v), logits, this.targets);
        lap(StepProfile.Kind.LM_HEAD, false);
        return targetCount == 0 ? 0f : (float) (lossSum / targetCount);
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
     * Position of each token, written into {@code pos} (B * T long): its index in the row, or in its segment when
     * rows pack several examples.
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

    private INDArray blockForward(int l, INDArray residual, int B, int T) {
        Block p = blocks[l];
        int n = B * T;
        int c = config.dModel();
        int nh = config.nHead();

        INDArray ln1 = acts.view(acts.ln1[l], n, c);
        kernels.layerNormForward(ln1, acts.view(acts.ln1Mean[l], n), acts.view(acts.ln1Rstd[l], n), residual,
                p.ln1w, p.ln1b, config.normEps());
        lap(StepProfile.Kind.LAYER_NORM, false);
        INDArray qkv = acts.view(acts.qkv[l], n, 3 * c);
        linear(qkv, ln1, p.attnW, p.attnB, l, C_ATTN);
        lap(StepProfile.Kind.ATTENTION_LINEAR, false);
        INDArray attOut = acts.view(acts.attOut[l], n, c);
        kernels.attentionForward(attOut, acts.view(acts.att[l], B, nh, T, T), qkv, nh, nh, c / nh,
                1.0 / Math.sqrt(c / nh), 0, segmentIds, attentionDropout(), dropoutSeed, 1 + 3L * l);
        lap(StepProfile.Kind.ATTENTION_CORE, false);
        INDArray branch = acts.view(acts.branch, n, c);
        linear(branch, attOut, p.projW, p.projB, l, ATTN_PROJ);
        lap(StepProfile.Kind.ATTENTION_LINEAR, false);
        dropout(branch, 2 + 3L * l);
        INDArray resid2 = acts.view(acts.resid2[l], n, c);
        kernels.add(resid2, residual, branch);
        lap(StepProfile.Kind.RESIDUAL, false);

        INDArray ln2 = acts.view(acts.ln2[l], n, c);
        kernels.layerNormForward(ln2, acts.view(acts.ln2Mean[l], n), acts.view(acts.ln2Rstd[l], n), resid2,
                p.ln2w, p.ln2b, config.normEps());
        lap(StepProfile.Kind.LAYER_NORM, false);
        INDArray fch = acts.view(acts.fch[l], n, 4 * c);
        linear(fch, ln2, p.fcW, p.fcB, l, C_FC);
        lap(StepProfile.Kind.MLP_LINEAR, false);
        INDArray fchGelu = acts.view(acts.fchGelu[l], n, 4 * c);
        kernels.geluForward(fchGelu, fch);
        lap(StepProfile.Kind.GELU, false);
        linear(branch, fchGelu, p.fcProjW, p.fcProjB, l, MLP_PROJ);
        lap(StepProfile.Kind.MLP_LINEAR, false);
        dropout(branch, 3 + 3L * l);
        INDArray resid3 = acts.view(acts.resid3[l], n, c);
        kernels.add(resid3, resid2, branch);
        lap(StepProfile.Kind.RESIDUAL, false);
        return resid3;
    }

    /** The drop probability of the attention probabilities: 0 when dropout is off. */
    private double attentionDropout() {
        return dropoutOn ? config.dropout() : 0.0;
    }

    /**
     * Accumulates d(lossScale * loss)/d(params) into {@link #grads()}, once for the last forward with targets.
     * Call {@link #zeroGrads()} first unless accumulating over micro-batches.
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
        int B = batch;
        int T = seqLen;
        int n = B * T;
        int c = config.dModel();
        int v = config.vocabSize();

        if (profile != null) {
            profile.start();
        }
        // dlogits (N, V) from the forward, scaled into the head's gradient matmuls
        INDArray dlogits = acts.view(acts.dlogits, n, v);
        double scale = (double) lossScale / targetCount;
        INDArray lnf = acts.view(acts.lnf, n, c);
        if (!baseFrozen) {
            // dwte (V, C) += scale dlogits^T lnf
            kernels.matmul(gradViews.get("wte.weight"), dlogits, lnf, true, false, scale, 1.0);
        }
        // dlnf (N, C) = scale dlogits wte
        INDArray dlnf = acts.view(acts.dln, n, c);
        kernels.matmul(dlnf, dlogits, paramViews.get("wte.weight"), false, false, scale, 0.0);
        lap(StepProfile.Kind.LM_HEAD, true);
        INDArray dresid = acts.view(acts.dresid, n, c).assign(0.0);
        INDArray last = acts.view(acts.resid3[config.nLayer() - 1], n, c);
        kernels.layerNormBackward(dresid, gradViews.get("ln_f.weight"), gradViews.get("ln_f.bias"), dlnf, last,
                paramViews.get("ln_f.weight"), acts.view(acts.lnfMean, n), acts.view(acts.lnfRstd, n));
        lap(StepProfile.Kind.LAYER_NORM, true);
        for (int l = config.nLayer() - 1; l >= 0; l--) {
            INDArray residual = l == 0 ? acts.view(acts.encoded, n, c) : acts.view(acts.resid3[l - 1], n, c);
            blockBackward(l, residual, dresid, B, T);
        }
        if (baseFrozen) {
            return;
        }
        dropout(dresid, 0);
        kernels.embeddingBackward(gradViews.get("wte.weight"), gradViews.get("wpe.weight"), dresid, tokens, positions);
        lap(StepProfile.Kind.EMBEDDING, true);
    }

    /** dresid (N, C): gradient w.r.t. the block's output in, w.r.t. its input {@code residual} out. */
    private void blockBackward(int l, INDArray residual, INDArray dresid, int B, int T) {
        Block p = blocks[l];
        Block g = blockGrads[l];
        int n = B * T;
        int c = config.dModel();
        int nh = config.nHead();

        // MLP branch: resid3 = resid2 + dropout(fchGelu @ fcProjW + b)
        INDArray dbranch = droppedBranchGradient(dresid, 3 + 3L * l);
        lap(StepProfile.Kind.RESIDUAL, true);
        INDArray dhidden = acts.view(acts.dhidden, n, 4 * c);
        linearBackward(dhidden, g.fcProjW, g.fcProjB, dbranch, acts.view(acts.fchGelu[l], n, 4 * c), p.fcProjW, l, MLP_PROJ);
        lap(StepProfile.Kind.MLP_LINEAR, true);
        kernels.geluBackward(dhidden, dhidden, acts.view(acts.fch[l], n, 4 * c));
        lap(StepProfile.Kind.GELU, true);
        INDArray dln = acts.view(acts.dln, n, c);
        linearBackward(dln, g.fcW, g.fcB, dhidden, acts.view(acts.ln2[l], n, c), p.fcW, l, C_FC);
        lap(StepProfile.Kind.MLP_LINEAR, true);
        kernels.layerNormBackward(dresid, g.ln2w, g.ln2b, dln, acts.view(acts.resid2[l], n, c), p.ln2w,
                acts.view(acts.ln2Mean[l], n), acts.view(acts.ln2Rstd[l], n));
        lap(StepProfile.Kind.LAYER_NORM, true);

        // attention branch: resid2 = residual + dropout(attOut @ projW + b)
        dbranch = droppedBranchGradient(dresid, 2 + 3L * l);
        lap(StepProfile.Kind.RESIDUAL, true);
        INDArray dattOut = acts.view(acts.dattOut, n, c);
        linearBackward(dattOut, g.projW, g.projB, dbranch, acts.view(acts.attOut[l], n, c), p.projW, l, ATTN_PROJ);
        lap(StepProfile.Kind.ATTENTION_LINEAR, true);
        INDArray dqkv = acts.view(acts.dqkv, n, 3 * c);
        kernels.attentionBackward(dqkv, dattOut, acts.view(acts.qkv[l], n, 3 * c), acts.view(acts.att[l], B, nh, T, T),
                nh, nh, c / nh, 1.0 / Math.sqrt(c / nh), 0, attentionDropout(), dropoutSeed, 1 + 3L * l);
        lap(StepProfile.Kind.ATTENTION_CORE, true);
        linearBackward(dln, g.attnW, g.attnB, dqkv, acts.view(acts.ln1[l], n, c), p.attnW, l, C_ATTN);
        lap(StepProfile.Kind.ATTENTION_LINEAR, true);
        kernels.layerNormBackward(dresid, g.ln1w, g.ln1b, dln, residual, p.ln1w,
                acts.view(acts.ln1Mean[l], n), acts.view(acts.ln1Rstd[l], n));
        lap(StepProfile.Kind.LAYER_NORM, true);
    }

    /** The gradient w.r.t. a residual branch's output before dropout: dresid itself when dropout is off. */
    private INDArray droppedBranchGradient(INDArray dresid, long stream) {
        if (!dropoutOn) {
            return dresid;
        }
        INDArray dbranch = acts.view(acts.dbranch, dresid.size(0), dresid.size(1)).assign(dresid);
        dropout(dbranch, stream);
        return dbranch;
    }

    /**
     * out (N, out) = x (N, in) @ w (in, out) + b (out), plus the LoRA update when the layer {@code kind} of block
     * {@code l} has an adapter.
     */
    private void linear(INDArray out, INDArray x, INDArray w, INDArray b, int l, int kind) {
        kernels.matmul(out, x, w, false, false, 1.0, 0.0);
        kernels.addBias(out, b);
        LoraLinear lora = adapter(l, kind);
        if (lora != null) {
            lora.forward(out, x, dropoutOn, dropoutSeed, loraStream(l, kind));
        }
    }

    /**
     * dx (N, in) = dout @ w^T (overwritten) plus the adapter's share; dw (in, out) += x^T @ dout and db (out) +=
     * column sums of dout unless the base is frozen.
     */
    private void linearBackward(INDArray dx, INDArray dw, INDArray db, INDArray dout, INDArray x, INDArray w,
                                int l, int kind) {
        if (!baseFrozen) {
            kernels.matmul(dw, x, dout, true, false, 1.0, 1.0);
            kernels.biasGradient(db, dout);
        }
        kernels.matmul(dx, dout, w, false, true, 1.0, 0.0);
        LoraLinear lora = adapter(l, kind);
        if (lora != null) {
            lora.backward(dx, dout, x, dropoutOn, dropoutSeed, loraStream(l, kind));
        }
    }

    /** The adapter on a base weight ({@code h.0.attn.c_attn.weight}), or null; for the inference path. */
    LoraLinear adapterOn(String baseWeight) {
        if (adapters == null || !baseWeight.startsWith("h.")) {
            return null;
        }
        int dot = baseWeight.indexOf('.', 2);
        int l = Integer.parseInt(baseWeight.substring(2, dot));
        return switch (baseWeight.substring(dot + 1)) {
            case "attn.c_attn.weight" -> adapters[l][C_ATTN];
            case "attn.c_proj.weight" -> adapters[l][ATTN_PROJ];
            case "mlp.c_fc.weight" -> adapters[l][C_FC];
            case "mlp.c_proj.weight" -> adapters[l][MLP_PROJ];
            default -> null;
        };
    }

    private LoraLinear adapter(int l, int kind) {
        return adapters == null ? null : adapters[l][kind];
    }

    /** Dropout streams of the adapters, apart from the model's own (0 .. 3 * n_layer). */
    private long loraStream(int l, int kind) {
        return 1_000_000L + 4L * l + kind;
    }

    /**
     * Attaches LoRA adapters built over this model's layout: every later forward and backward includes them.
     * With {@code freezeBase} the backward skips the gradients of the base weights (the adapters' and the
     * input gradients are still computed), which is most of LoRA's saving; {@link #grads()} then holds
     * meaningless values for the frozen weights.
     */
    public void attachAdapters(LoraAdapters lora, boolean freezeBase) {
        checkOpen();
        LoraLinear[][] byLayer = new LoraLinear[config.nLayer()][4];
        for (int l = 0; l < config.nLayer(); l++) {
            String p = "h." + l + ".";
            byLayer[l][C_ATTN] = lora.forWeight(p + "attn.c_attn.weight");
            byLayer[l][ATTN_PROJ] = lora.forWeight(p + "attn.c_proj.weight");
            byLayer[l][C_FC] = lora.forWeight(p + "mlp.c_fc.weight");
            byLayer[l][MLP_PROJ] = lora.forWeight(p + "mlp.c_proj.weight");
        }
        this.adapters = byLayer;
        this.baseFrozen = freezeBase;
    }

    private void dropout(INDArray x, long stream) {
        if (dropoutOn) {
            kernels.dropout(x, config.dropout(), dropoutSeed, stream);
        }
    }

    /** Logits (B, T, V) of the last forward. */
    public INDArray logits() {
        checkOpen();
        if (!forwardDone) {
            throw new IllegalStateException("logits: no forward has run yet");
        }
        return acts.view(acts.logits, batch, seqLen, config.vocabSize());
    }

    private void validate(int[] tokens, int[] targets, int[] segmentIds, int B, int T) {
        if (B < 1 || B > acts.maxBatch) {
            throw new IllegalArgumentException("batch: must be in [1, " + acts.maxBatch + "], got " + B);
        }
        if (T < 1 || T > acts.maxSeqLen) {
            throw new IllegalArgumentException("seq_len: must be in [1, " + acts.maxSeqLen + "], got " + T);
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

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this Gpt is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            acts.close();
            params.close();
            grads.close();
        }
    }
}
