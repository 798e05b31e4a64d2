package ai.stratum.model.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * One float operand of a {@link CpuKernels} kernel, looked up once per call: a direct buffer over the array's own
 * memory (element 0 is the array's first element) and its row stride, so row r starts at {@code r * stride}.
 * {@link #of} takes a row-major contiguous array of any rank, whose rows are its last dimension (a (S, L, W) cache
 * has S * L rows of W; a vector is one row); {@link #ofColumns} a 2-D array whose rows may be spaced wider than
 * their width (a column slice of a wider matrix).
 *
 * <p>The buffer starts at the array's first element rather than at its data buffer's, so a view deep inside a flat
 * buffer of more than 2^31 bytes (a 1B model's parameters) is reachable, which an NIO view of the whole buffer is
 * not. A record, so that its fields are final and trusted as such: the JIT keeps them in registers over a kernel's
 * row loop. The accessors use only the buffer's absolute get and put, so one instance serves every thread of a call.
 *
 * @param buffer element 0 is the array's first element
 * @param stride elements from one row to the next
 */
record Rows(FloatBuffer buffer, int stride) {

    Rows {
        if (stride < 0) {
            throw new IllegalArgumentException("stride: must be >= 0, got " + stride);
        }
    }

    /** A row-major contiguous array of any rank; its rows are its last dimension. */
    static Rows of(INDArray a) {
        long expected = 1;
        for (int d = a.rank() - 1; d >= 0; d--) {
            if (a.size(d) > 1 && a.stride(d) != expected) {
                throw new IllegalArgumentException("array: CpuKernels needs row-major contiguous arrays, got shape "
                        + Arrays.toString(a.shape()) + " strides " + Arrays.toString(a.stride()));
            }
            expected *= a.size(d);
        }
        return new Rows(window(a), a.rank() == 0 ? 1 : (int) a.size(a.rank() - 1));
    }

    /** A 2-D array with unit column stride whose rows may be spaced wider than their width (a column slice). */
    static Rows ofColumns(INDArray a) {
        if (a.rank() != 2 || (a.size(1) > 1 && a.stride(1) != 1)) {
            throw new IllegalArgumentException("array: CpuKernels needs 2-D arrays with unit column stride, got "
                    + "shape " + Arrays.toString(a.shape()) + " strides " + Arrays.toString(a.stride()));
        }
        return new Rows(window(a), a.size(0) > 1 ? Math.toIntExact(a.stride(0)) : (int) a.size(1));
    }

    /** A direct buffer from {@code a}'s first element to one past its last (any strides). */
    private static FloatBuffer window(INDArray a) {
        long extent = 1;
        for (int d = 0; d < a.rank(); d++) {
            extent += (a.size(d) - 1) * a.stride(d);
        }
        // a view's data buffer may itself start inside the original one (at data().offset()), as its address does
        long start = a.offset() - a.data().offset();
        return new FloatPointer(a.data().addressPointer()).getPointer(start).limit(extent).asBuffer();
    }

    /** The index of row {@code row}'s first element. */
    int at(int row) {
        return row * stride;
    }

    float get(int index) {
        return buffer.get(index);
    }

    void put(int index, float value) {
        buffer.put(index, value);
    }

    /** dst[0, len) = the first {@code len} elements of row {@code row}. */
    void get(int row, float[] dst, int len) {
        buffer.get(row * stride, dst, 0, len);
    }

    /** The first {@code len} elements of row {@code row} = src[0, len). */
    void put(int row, float[] src, int len) {
        buffer.put(row * stride, src, 0, len);
    }

    /** dst[0, len) = elements [col, col + len) of row {@code row}. */
    void get(int row, int col, float[] dst, int len) {
        buffer.get(row * stride + col, dst, 0, len);
    }

    /** Elements [col, col + len) of row {@code row} = src[0, len). */
    void put(int row, int col, float[] src, int len) {
        buffer.put(row * stride + col, src, 0, len);
    }

    /** dst[0, len) = elements [index, index + len), across rows. */
    void getFlat(int index, float[] dst, int len) {
        buffer.get(index, dst, 0, len);
    }

    /** Elements [index, index + len), across rows, = src[0, len). */
    void putFlat(int index, float[] src, int len) {
        buffer.put(index, src, 0, len);
    }

    /**
     * A new pointer to {@code a}'s first element (any layout; callers check it with {@link #of} or
     * {@link #ofColumns} first), for OpenBLAS, which moves the pointer's position per call. From a duplicate at
     * position 0: JavaCPP misplaces the address of a buffer whose position is not 0.
     */
    static FloatPointer pointer(INDArray a) {
        return new FloatPointer(window(a));
    }
}
