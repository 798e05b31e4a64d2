package ai.stratum.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every activation and scratch buffer of a training step, allocated once for (maxBatch, maxSeqLen); a step with a
 * smaller (B, T) uses row-major views over each buffer's prefix. Per-layer buffers hold what the backward reads;
 * scratch buffers are shared by all layers.
 */
final class Activations implements AutoCloseable {

    final int maxBatch;
    final int maxSeqLen;
    private final List<INDArray> owned = new ArrayList<>();
    private final DataType dtype;

    // kept for the backward
    final INDArray encoded;                 // (N, C) embeddings after dropout = residual input of block 0
    final INDArray[] ln1;                   // (N, C)
    final INDArray[] ln1Mean;               // (N)
    final INDArray[] ln1Rstd;               // (N)
    final INDArray[] qkv;                   // (N, 3C) q, k, v of each position, heads side by side
    final INDArray[] att;                   // (B, NH, T, T) attention probabilities before dropout
    final INDArray[] attOut;                // (N, C) attention output, heads concatenated
    final INDArray[] resid2;                // (N, C) residual after the attention branch
    final INDArray[] ln2;                   // (N, C)
    final INDArray[] ln2Mean;               // (N)
    final INDArray[] ln2Rstd;               // (N)
    final INDArray[] fch;                   // (N, 4C) MLP hidden before GELU
    final INDArray[] fchGelu;               // (N, 4C)
    final INDArray[] resid3;                // (N, C) residual after the MLP branch = block output
    final INDArray lnf;                     // (N, C)
    final INDArray lnfMean;                 // (N)
    final INDArray lnfRstd;                 // (N)
    final INDArray logits;                  // (N, V)
    final INDArray dlogits;                 // (N, V) softmax - onehot(target): the loss sum's gradient

    // scratch shared by all layers
    final INDArray branch;                  // (N, C) a residual branch's output before dropout
    final INDArray dresid;                  // (N, C)
    final INDArray dbranch;                 // (N, C)
    final INDArray dln;                     // (N, C)
    final INDArray dattOut;                 // (N, C)
    final INDArray dqkv;                    // (N, 3C)
    final INDArray dhidden;                 // (N, 4C)

    Activations(ModelConfig config, int maxBatch, int maxSeqLen, DataType dtype) {
        this.maxBatch = maxBatch;
        this.maxSeqLen = maxSeqLen;
        this.dtype = dtype;
        long n = (long) maxBatch * maxSeqLen;
        long c = config.dModel();
        long attSize = (long) maxBatch * config.nHead() * maxSeqLen * maxSeqLen;
        int layers = config.nLayer();
        encoded = alloc(n * c);
        ln1 = alloc(layers, n * c);
        ln1Mean = alloc(layers, n);
        ln1Rstd = alloc(layers, n);
        qkv = alloc(layers, 3 * n * c);
        att = alloc(layers, attSize);
        attOut = alloc(layers, n * c);
        resid2 = alloc(layers, n * c);
        ln2 = alloc(layers, n * c);
        ln2Mean = alloc(layers, n);
        ln2Rstd = alloc(layers, n);
        fch = alloc(layers, n * 4 * c);
        fchGelu = alloc(layers, n * 4 * c);
        resid3 = alloc(layers, n * c);
        lnf = alloc(n * c);
        lnfMean = alloc(n);
        lnfRstd = alloc(n);
        logits = alloc(n * config.vocabSize());
        dlogits = alloc(n * config.vocabSize());
        branch = alloc(n * c);
        dresid = alloc(n * c);
        dbranch = alloc(n * c);
        dln = alloc(n * c);
        dattOut = alloc(n * c);
        dqkv = alloc(3 * n * c);
        dhidden = alloc(n * 4 * c);
    }

    private INDArray alloc(long length) {
        INDArray a = Nd4j.zeros(dtype, length);
        owned.add(a);
        return a;
    }

    private INDArray[] alloc(int count, long length) {
        INDArray[] a = new INDArray[count];
        for (int i = 0; i < count; i++) {
            a[i] = alloc(length);
        }
        return a;
    }

    /** Bytes held by all activation and scratch buffers. */
    long bytes() {
        return owned.stream().mapToLong(a -> a.length() * a.dataType().width()).sum();
    }

    /** (buffer id, offset, shape...) of a memoized view. */
    private record ViewKey(long[] key) {
        @Override
        public boolean equals(Object o) {
            return o instanceof ViewKey k && Arrays.equals(k.key, key);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(key);
        }
    }

    // creating an INDArray view costs tens of microseconds in ND4J, and a step takes hundreds of them
    private final Map<INDArray, Integer> ids = new IdentityHashMap<>();
    private final Map<ViewKey, INDArray> views = new HashMap<>();

    /**
     * A row-major view of {@code shape} over the first elements of {@code buffer} (one of these buffers or a
     * parameter or gradient buffer), created once and reused until {@link #clearViews()}.
     */
    INDArray view(INDArray buffer, long... shape) {
        long[] key = new long[shape.length + 1];
        key[0] = ids.computeIfAbsent(buffer, b -> ids.size());
        System.arraycopy(shape, 0, key, 1, shape.length);
        return views.computeIfAbsent(new ViewKey(key), k -> Views.of(buffer, 0, shape));
    }

    /** Forgets the memoized views, e.g. when the batch shape changes, so that they do not pile up. */
    void clearViews() {
        views.clear();
    }

    @Override
    public void close() {
        owned.forEach(INDArray::close);
        owned.clear();
    }
}
