package ai.stratum.model;

import ai.stratum.model.nn.Block;
import ai.stratum.model.nn.Buffers;
import ai.stratum.model.nn.Norm;
import ai.stratum.model.nn.Pass;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One sequence decoded a token at a time through the {@link Decoder}'s own modules: each block's keys and values
 * (after q/k norm and RoPE, nKvHead heads wide) are cached, so appending token p costs O(p) attention instead of a
 * forward over the whole prefix. Computes what {@link Decoder#forward} computes for the prefix (dropout off),
 * reading the model's current parameters and adapters.
 */
final class DecodeSession implements InferenceSession {

    private final Decoder model;
    private final ModelConfig config;
    private final int maxTokens;
    private final Buffers buffers;
    private final Block.Acts[] acts;
    private final INDArray[] keys;    // per layer (maxTokens, nKvHead * hd)
    private final INDArray[] values;  // per layer (maxTokens, nKvHead * hd)
    private final INDArray x;         // (1, C) residual stream
    private final INDArray normed;    // (1, C)
    private final Norm.Stats normStats;
    private final INDArray logits;    // (1, V)
    private final Pass pass = new Pass();
    private int length;
    private boolean closed;

    DecodeSession(Decoder model, int maxTokens) {
        this.model = model;
        this.config = model.config();
        if (maxTokens < 1 || maxTokens > config.contextLength()) {
            throw new IllegalArgumentException("max_tokens: must be in [1, context_length=" + config.contextLength()
                    + "], got " + maxTokens);
        }
        this.maxTokens = maxTokens;
        this.buffers = new Buffers(model.dataType());
        int layers = config.nLayer();
        long kvWidth = (long) config.nKvHead() * config.headDim();
        acts = new Block.Acts[layers];
        keys = new INDArray[layers];
        values = new INDArray[layers];
        for (int l = 0; l < layers; l++) {
            acts[l] = model.blocks()[l].acts(buffers, 1, 0);
            keys[l] = buffers.alloc(maxTokens * kvWidth);
            values[l] = buffers.alloc(maxTokens * kvWidth);
        }
        int c = config.dModel();
        x = buffers.view(buffers.alloc(c), 1, c);
        normed = buffers.view(buffers.alloc(c), 1, c);
        normStats = model.finalNorm().stats(buffers, 1);
        logits = buffers.view(buffers.alloc(config.vocabSize()), 1, config.vocabSize());
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
        int[] at = {pos};
        pass.set(1, 1, at, null, 0.0, 0);
        model.embedding().forward(x, new int[] {token}, at, pass);
        for (int l = 0; l < config.nLayer(); l++) {
            model.blocks()[l].decode(x, acts[l], keys[l], values[l], pos, pass);
        }
        model.finalNorm().forward(normed, x, normStats);
        model.head().project(logits, normed);
        length++;
        return logits.toFloatVector();
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            buffers.close();
        }
    }
}
