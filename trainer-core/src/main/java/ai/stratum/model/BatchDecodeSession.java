package ai.stratum.model;

import ai.stratum.model.nn.Block;
import ai.stratum.model.nn.Buffers;
import ai.stratum.model.nn.Norm;
import ai.stratum.model.nn.Pass;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Many sequences decoded together over one KV cache of {@code slots} sequences, each up to {@code maxTokens} long,
 * through the {@link Decoder}'s own modules. One {@link #append} call takes any rows (token, slot): a decode step
 * (one new token for each of several sequences) and a prompt's prefill (a chunk of one sequence's consecutive
 * tokens) are the same call, so every layer's projections see one (N, C) matmul however the rows are made up. Each
 * row's key and value are cached before attention, so a prompt's rows attend to each other causally
 * ({@link ai.stratum.model.nn.Attention#decode}); the LM head runs only on the last row of each sequence in the
 * call. Computes what {@link Decoder#forward} computes for each sequence alone (dropout off), reading the model's
 * current parameters and adapters. The session owns its caches and activations (one set shared by every layer,
 * as nothing is kept for a backward).
 */
public final class BatchDecodeSession implements AutoCloseable {

    private final Decoder model;
    private final ModelConfig config;
    private final int slots;
    private final int maxTokens;
    private final int maxRows;
    private final int maxHeads;        // rows the LM head may see in one call
    private final Buffers buffers;
    private final Block.Acts acts;     // (maxRows) rows, shared by the layers in turn
    private final INDArray[] keys;     // per layer (slots, maxTokens, nKvHead * hd)
    private final INDArray[] values;   // per layer (slots, maxTokens, nKvHead * hd)
    private final INDArray x;          // (maxRows, C) residual stream
    private final INDArray picked;     // (maxHeads, C) the rows the head reads
    private final INDArray normed;     // (maxHeads, C)
    private final Norm.Stats normStats;
    private final INDArray logits;     // (maxHeads, V)
    private final int[] lengths;
    private final Pass pass = new Pass();
    private boolean closed;

    /**
     * @param slots     sequences held at once
     * @param maxTokens tokens each sequence may hold, at most the context length
     * @param maxRows   rows one {@link #append} may take, at most the rows the decoder (and its adapters) were
     *                  built for
     */
    BatchDecodeSession(Decoder model, int slots, int maxTokens, int maxRows, int modelRows) {
        this.model = model;
        this.config = model.config();
        if (slots < 1) {
            throw new IllegalArgumentException("slots: must be at least 1, got " + slots);
        }
        if (maxTokens < 1 || maxTokens > config.contextLength()) {
            throw new IllegalArgumentException("max_tokens: must be in [1, context_length=" + config.contextLength()
                    + "], got " + maxTokens);
        }
        if (maxRows < 1 || maxRows > modelRows) {
            throw new IllegalArgumentException("max_rows: must be in [1, " + modelRows + "] (the rows the model "
                    + "was built for: max_batch * max_seq_len), got " + maxRows);
        }
        this.slots = slots;
        this.maxTokens = maxTokens;
        this.maxRows = maxRows;
        this.maxHeads = Math.min(slots, maxRows);
        this.buffers = new Buffers(model.dataType());
        int layers = config.nLayer();
        long kvWidth = (long) config.nKvHead() * config.headDim();
        acts = model.blocks()[0].acts(buffers, maxRows, 0);
        keys = new INDArray[layers];
        values = new INDArray[layers];
        for (int l = 0; l < layers; l++) {
            keys[l] = buffers.alloc((long) slots * maxTokens * kvWidth).reshape(slots, maxTokens, kvWidth);
            values[l] = buffers.alloc((long) slots * maxTokens * kvWidth).reshape(slots, maxTokens, kvWidth);
        }
        int c = config.dModel();
        x = buffers.alloc((long) maxRows * c);
        picked = buffers.alloc((long) maxHeads * c);
        normed = buffers.alloc((long) maxHeads * c);
        normStats = model.finalNorm().stats(buffers, maxHeads);
        logits = buffers.alloc((long) maxHeads * config.vocabSize());
        lengths = new int[slots];
    }

    public int slots() {
        return slots;
    }

    public int maxTokens() {
        return maxTokens;
    }

    public int maxRows() {
        return maxRows;
    }

    /** Tokens the sequence in {@code slot} holds. */
    public int length(int slot) {
        checkSlot(slot);
        return lengths[slot];
    }

    /** Empties {@code slot} for a new sequence. */
    public void reset(int slot) {
        checkSlot(slot);
        lengths[slot] = 0;
    }

    /**
     * Appends {@code tokens[n]} to the sequence in {@code slots[n]}, at that sequence's next position (rows of one
     * slot take consecutive positions in row order).
     *
     * @return per row, the logits (V) for the token after it when the row is the last of its slot in this call;
     *         null for the other rows
     */
    public float[][] append(int[] slots, int[] tokens) {
        if (closed) {
            throw new IllegalStateException("this batch session is closed");
        }
        int n = tokens.length;
        if (slots.length != n || n < 1 || n > maxRows) {
            throw new IllegalArgumentException("rows: expected 1 to max_rows=" + maxRows + " tokens with one slot "
                    + "each, got " + n + " tokens and " + slots.length + " slots");
        }
        int[] positions = new int[n];
        int[] next = lengths.clone();
        int[] lastRow = new int[this.slots];
        Arrays.fill(lastRow, -1);
        for (int i = 0; i < n; i++) {
            checkSlot(slots[i]);
            if (tokens[i] < 0 || tokens[i] >= config.vocabSize()) {
                throw new IllegalArgumentException("token: id " + tokens[i] + " (row " + i
                        + ") is outside the vocabulary [0, " + config.vocabSize() + ")");
            }
            if (next[slots[i]] == maxTokens) {
                throw new IllegalStateException("slot " + slots[i] + " is full: it holds max_tokens=" + maxTokens
                        + " tokens; reset it and feed a shorter context");
            }
            positions[i] = next[slots[i]]++;
            lastRow[slots[i]] = i;
        }
        int[] heads = Arrays.stream(lastRow).filter(r -> r >= 0).sorted().toArray(); // rows the head reads
        int c = config.dModel();
        pass.set(n, 1, positions, null, 0.0, 0);
        INDArray h = buffers.view(x, n, c);
        model.embedding().forward(h, tokens, positions, pass);
        for (int l = 0; l < config.nLayer(); l++) {
            model.blocks()[l].decode(h, acts, keys[l], values[l], slots, positions, pass);
        }
        int m = heads.length;
        INDArray rows = h;
        if (m < n) {
            rows = buffers.view(picked, m, c);
            for (int i = 0; i < m; i++) {
                Views.of(picked, (long) i * c, 1, c).assign(Views.of(x, (long) heads[i] * c, 1, c));
            }
        }
        INDArray hn = buffers.view(normed, m, c);
        model.finalNorm().forward(hn, rows, normStats);
        INDArray lg = buffers.view(logits, m, config.vocabSize());
        model.head().project(lg, hn);
        float[][] out = new float[n][];
        float[][] all = lg.toFloatMatrix();
        for (int i = 0; i < m; i++) {
            out[heads[i]] = all[i];
        }
        System.arraycopy(next, 0, lengths, 0, this.slots);
        return out;
    }

    private void checkSlot(int slot) {
        if (slot < 0 || slot >= slots) {
            throw new IllegalArgumentException("slot: must be in [0, " + slots + "), got " + slot);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            buffers.close();
        }
    }
}
