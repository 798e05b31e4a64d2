package ai.stratum.model;

import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.lora.LoraLinear;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * One sequence decoded a token at a time: each block's keys and values are cached, so appending token p costs
 * O(p) attention instead of a forward over the whole prefix. Computes exactly what {@link Gpt#forward} computes
 * for the prefix (with dropout off), reading the model's current parameters.
 */
final class KvCacheSession implements InferenceSession {

    private final Gpt gpt;
    private final ModelConfig config;
    private final int maxTokens;
    private final List<INDArray> owned = new ArrayList<>();
    private final INDArray[] keys;     // per layer (NH, maxTokens, hs)
    private final INDArray[] values;   // per layer (NH, maxTokens, hs)
    private final INDArray x;          // (1, C) residual stream
    private final INDArray ln;         // (1, C)
    private final INDArray mean;       // (1)
    private final INDArray rstd;       // (1)
    private final INDArray qkv;        // (1, 3C)
    private final INDArray att;        // NH * maxTokens scores of the current query
    private final INDArray y;          // (1, C) attention output, heads concatenated
    private final INDArray branch;     // (1, C)
    private final INDArray hidden;     // (1, 4C)
    private final INDArray hiddenGelu; // (1, 4C)
    private final INDArray logits;     // (1, V)
    private int length;
    private boolean closed;

    KvCacheSession(Gpt gpt, int maxTokens) {
        this.gpt = gpt;
        this.config = gpt.config();
        if (maxTokens < 1 || maxTokens > config.contextLength()) {
            throw new IllegalArgumentException("max_tokens: must be in [1, context_length=" + config.contextLength()
                    + "], got " + maxTokens);
        }
        this.maxTokens = maxTokens;
        int c = config.dModel();
        keys = new INDArray[config.nLayer()];
        values = new INDArray[config.nLayer()];
        for (int l = 0; l < config.nLayer(); l++) {
            keys[l] = alloc(config.nHead(), maxTokens, config.headDim());
            values[l] = alloc(config.nHead(), maxTokens, config.headDim());
        }
        x = alloc(1, c);
        ln = alloc(1, c);
        mean = alloc(1);
        rstd = alloc(1);
        qkv = alloc(1, 3 * c);
        att = alloc((long) config.nHead() * maxTokens);
        y = alloc(1, c);
        branch = alloc(1, c);
        hidden = alloc(1, 4 * c);
        hiddenGelu = alloc(1, 4 * c);
        logits = alloc(1, config.vocabSize());
    }

    private INDArray alloc(long... shape) {
        INDArray a = Nd4j.zeros(gpt.dataType(), shape);
        owned.add(a);
        return a;
    }

    @Override
    public float[] append(int token) {
        if (closed) {
            throw new IllegalStateException("this inference session is closed");
        }
        if (length == maxTokens) {
            throw new IllegalStateException("inference session is full: it holds max_tokens=" + maxTokens
                    + " tokens; start a new session with a shorter prompt or more max_tokens");
        }
        if (token < 0 || token >= config.vocabSize()) {
            throw new IllegalArgumentException("token: id " + token + " is outside the vocabulary [0, "
                    + config.vocabSize() + ")");
        }
        int pos = length;
        Kernels k = gpt.kernels();
        k.embeddingForward(x, new int[] {token}, new int[] {pos}, gpt.param("wte.weight"), gpt.param("wpe.weight"));
        for (int l = 0; l < config.nLayer(); l++) {
            block(l, pos, k);
        }
        k.layerNormForward(ln, mean, rstd, x, gpt.param("ln_f.weight"),
                gpt.param("ln_f.bias"), config.normEps());
        Nd4j.gemm(ln, gpt.param("wte.weight"), logits, false, true, 1.0, 0.0); // (1, V) = ln (1, C) @ wte^T
        length++;
        return logits.toFloatVector();
    }

    private void block(int l, int pos, Kernels k) {
        String p = "h." + l + ".";
        int c = config.dModel();
        int nh = config.nHead();
        int hs = config.headDim();
        int keysSoFar = pos + 1;
        k.layerNormForward(ln, mean, rstd, x, gpt.param(p + "ln_1.weight"),
                gpt.param(p + "ln_1.bias"), config.normEps());
        linear(qkv, ln, p + "attn.c_attn");
        // cache k and v (NH, hs) at this position
        strided(keys[l], (long) pos * hs, nh, hs).assign(Views.of(qkv, c, nh, hs));
        strided(values[l], (long) pos * hs, nh, hs).assign(Views.of(qkv, 2L * c, nh, hs));
        for (int h = 0; h < nh; h++) {
            INDArray q = Views.of(qkv, (long) h * hs, 1, hs);
            INDArray kh = Views.of(keys[l], (long) h * maxTokens * hs, keysSoFar, hs);
            // scores (1, pos+1) = q (1, hs) @ k^T / sqrt(hs)
            Nd4j.gemm(q, kh, Views.of(att, (long) h * keysSoFar, 1, keysSoFar), false, true,
                    1.0 / Math.sqrt(hs), 0.0);
        }
        INDArray scores = Views.of(att, 0, nh, keysSoFar);
        Nd4j.exec(new SoftMax(scores, scores, 1));
        for (int h = 0; h < nh; h++) {
            INDArray vh = Views.of(values[l], (long) h * maxTokens * hs, keysSoFar, hs);
            // y_h (1, hs) = probs (1, pos+1) @ v (pos+1, hs)
            Nd4j.gemm(Views.of(att, (long) h * keysSoFar, 1, keysSoFar), vh, Views.of(y, (long) h * hs, 1, hs),
                    false, false, 1.0, 0.0);
        }
        linear(branch, y, p + "attn.c_proj");
        x.addi(branch);
        k.layerNormForward(ln, mean, rstd, x, gpt.param(p + "ln_2.weight"),
                gpt.param(p + "ln_2.bias"), config.normEps());
        linear(hidden, ln, p + "mlp.c_fc");
        k.geluForward(hiddenGelu, hidden);
        linear(branch, hiddenGelu, p + "mlp.c_proj");
        x.addi(branch);
    }

    /** (NH, hs) rows of a (NH, maxTokens, hs) cache at one position. */
    private INDArray strided(INDArray cache, long offset, int nh, int hs) {
        return Nd4j.create(cache.data(), new long[] {nh, hs}, new long[] {(long) maxTokens * hs, 1},
                cache.offset() + offset, 'c', cache.dataType());
    }

    /** out = in @ W + b of the named module, plus its LoRA update when the model has an adapter there. */
    private void linear(INDArray out, INDArray in, String module) {
        Nd4j.gemm(in, gpt.param(module + ".weight"), out, false, false, 1.0, 0.0);
        Nd4j.exec(new BroadcastAddOp(out, gpt.param(module + ".bias"), out, 1));
        LoraLinear lora = gpt.adapterOn(module + ".weight");
        if (lora != null) {
            lora.forward(out, in, false, 0, 0);
        }
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            owned.forEach(INDArray::close);
        }
    }
}
