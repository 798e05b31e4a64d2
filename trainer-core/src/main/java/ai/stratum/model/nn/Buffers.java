package ai.stratum.model.nn;

import ai.stratum.model.Views;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Activation and scratch buffers, allocated once at their largest size; a pass with fewer rows uses row-major views
 * over each buffer's prefix. Scratch shared by all layers is allocated once per name.
 */
public final class Buffers implements AutoCloseable {

    private final DataType dtype;
    private final List<INDArray> owned = new ArrayList<>();
    private final Map<String, INDArray> shared = new LinkedHashMap<>();
    // creating an INDArray view costs tens of microseconds in ND4J, and a step takes hundreds of them
    private final Map<INDArray, Integer> ids = new IdentityHashMap<>();
    private final Map<ViewKey, INDArray> views = new HashMap<>();

    public Buffers(DataType dtype) {
        this.dtype = dtype;
    }

    public DataType dataType() {
        return dtype;
    }

    /** A zeroed buffer of {@code length} elements owned (and closed) by these buffers. */
    public INDArray alloc(long length) {
        INDArray a = Nd4j.zeros(dtype, Math.max(1, length));
        owned.add(a);
        return a;
    }

    /** The scratch buffer called {@code name}, shared by every module that asks for it; at least {@code length}. */
    public INDArray shared(String name, long length) {
        INDArray a = shared.get(name);
        if (a == null || a.length() < length) {
            a = alloc(length);
            shared.put(name, a);
        }
        return a;
    }

    /** (buffer id, shape...) of a memoized view. */
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

    /**
     * A row-major view of {@code shape} over the first elements of {@code buffer} (one of these buffers or a
     * parameter or gradient buffer), created once and reused until {@link #clearViews()}.
     */
    public INDArray view(INDArray buffer, long... shape) {
        long[] key = new long[shape.length + 1];
        key[0] = ids.computeIfAbsent(buffer, b -> ids.size());
        System.arraycopy(shape, 0, key, 1, shape.length);
        return views.computeIfAbsent(new ViewKey(key), k -> Views.of(buffer, 0, shape));
    }

    /** Columns [from, to) of the first {@code rows} rows of {@code buffer} seen as (rows, width), memoized. */
    public INDArray columns(INDArray buffer, long rows, long width, long from, long to) {
        long[] key = {ids.computeIfAbsent(buffer, b -> ids.size()), rows, width, from, to, -1};
        return views.computeIfAbsent(new ViewKey(key), k -> Views.columns(buffer, rows, width, from, to));
    }

    /** Forgets the memoized views, e.g. when the batch shape changes, so that they do not pile up. */
    public void clearViews() {
        views.clear();
    }

    /** Bytes held by all buffers. */
    public long bytes() {
        return owned.stream().mapToLong(a -> a.length() * a.dataType().width()).sum();
    }

    @Override
    public void close() {
        owned.forEach(INDArray::close);
        owned.clear();
        shared.clear();
        views.clear();
    }
}
