package ai.stratum.train.distill;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bulk copies between a contiguous row-major array's host memory and Java arrays (one native call per copy, not
 * an element at a time): how the distillation loss, which works on Java arrays, reads the head's logits and writes
 * its dlogits. It reads the arrays' host memory, which is where the CPU backend keeps them; a CUDA build would need
 * the loss as a kernel instead.
 */
final class HostRows {

    private HostRows() {
    }

    /** Elements [from, from + n) of {@code a} (in row-major order) into {@code dst[0, n)}. */
    static void read(INDArray a, long from, float[] dst, int n) {
        requireFloat(a, DataType.FLOAT, from, n);
        new FloatPointer(a.data().addressPointer()).position(start(a) + from).get(dst, 0, n);
    }

    static void read(INDArray a, long from, double[] dst, int n) {
        requireFloat(a, DataType.DOUBLE, from, n);
        new DoublePointer(a.data().addressPointer()).position(start(a) + from).get(dst, 0, n);
    }

    /** {@code src[0, n)} into elements [from, from + n) of {@code a}. */
    static void write(INDArray a, long from, float[] src, int n) {
        requireFloat(a, DataType.FLOAT, from, n);
        new FloatPointer(a.data().addressPointer()).position(start(a) + from).put(src, 0, n);
    }

    static void write(INDArray a, long from, double[] src, int n) {
        requireFloat(a, DataType.DOUBLE, from, n);
        new DoublePointer(a.data().addressPointer()).position(start(a) + from).put(src, 0, n);
    }

    /** Where {@code a}'s first element is, counted from its data buffer's address. */
    private static long start(INDArray a) {
        return a.offset() - a.data().offset();
    }

    private static void requireFloat(INDArray a, DataType type, long from, int n) {
        if (a.dataType() != type) {
            throw new IllegalArgumentException("array: expected " + type + ", got " + a.dataType());
        }
        if (from < 0 || from + n > a.length()) {
            throw new IllegalArgumentException("array: elements [" + from + ", " + (from + n) + ") of a "
                    + a.length() + "-element row-major array");
        }
        long expected = 1;
        for (int d = a.rank() - 1; d >= 0; d--) {
            if (a.size(d) > 1 && a.stride(d) != expected) {
                throw new IllegalArgumentException("array: needs a contiguous row-major array, got strides "
                        + java.util.Arrays.toString(a.stride()));
            }
            expected *= a.size(d);
        }
    }
}
