package ai.stratum.train;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Finds NaN and infinite values in weights: what a diverged run leaves and no checkpoint may hold. */
public final class NonFinite {

    private static final long CHUNK = 1 << 20;

    private NonFinite() {
    }

    /**
     * The number of NaN or infinite elements of a flat array. A finite sum proves there are none (a NaN or an
     * infinity makes the sum NaN or infinite), so the exact count is taken only when the sum is not finite.
     */
    public static long count(INDArray flat) {
        if (Double.isFinite(flat.sumNumber().doubleValue())) {
            return 0;
        }
        long n = 0;
        long length = flat.length();
        for (long start = 0; start < length; start += CHUNK) {
            INDArray chunk = flat.reshape(length).get(NDArrayIndex.interval(start, Math.min(length, start + CHUNK)));
            for (double x : chunk.toDoubleVector()) {
                if (!Double.isFinite(x)) {
                    n++;
                }
            }
        }
        return n;
    }
}
