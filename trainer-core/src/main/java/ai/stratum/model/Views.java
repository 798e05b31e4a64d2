package ai.stratum.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Row-major views into the buffer of a contiguous array: how named parameters and activations are carved out. */
public final class Views {

    private Views() {
    }

    /** A row-major view of {@code shape} starting {@code offset} elements into {@code flat}'s buffer. */
    public static INDArray of(INDArray flat, long offset, long... shape) {
        long[] strides = new long[shape.length];
        long stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = stride;
            stride *= shape[i];
        }
        if (offset < 0 || offset + stride > flat.length()) {
            throw new IllegalArgumentException("offset: view of " + stride + " elements at " + offset
                    + " does not fit a buffer of " + flat.length());
        }
        return Nd4j.create(flat.data(), shape, strides, flat.offset() + offset, 'c', flat.dataType());
    }

    /**
     * Columns [from, to) of the first {@code rows} rows of {@code flat} seen as a row-major (rows, width) matrix: a
     * (rows, to - from) view whose row stride is {@code width}, e.g. the q, k or v part of a fused qkv buffer.
     */
    public static INDArray columns(INDArray flat, long rows, long width, long from, long to) {
        if (from < 0 || to > width || from >= to) {
            throw new IllegalArgumentException("columns: [" + from + ", " + to + ") is not a slice of width " + width);
        }
        if (rows * width > flat.length()) {
            throw new IllegalArgumentException("columns: " + rows + " x " + width + " does not fit a buffer of "
                    + flat.length());
        }
        return Nd4j.create(flat.data(), new long[] {rows, to - from}, new long[] {width, 1}, flat.offset() + from, 'c',
                flat.dataType());
    }
}
