package ai.stratum.model.kernels;

/**
 * Dropout masks as a pure function of (seed, stream, element index): no random state to save or restore, the
 * backward re-derives the forward's mask, and every kernel implementation draws the same mask.
 */
public final class Dropout {

    private Dropout() {
    }

    /** Whether element {@code index} of dropout site {@code stream} is kept with drop probability {@code p}. */
    public static boolean keep(long seed, long stream, long index, double p) {
        long h = mix(seed ^ mix(stream * 0x9E3779B97F4A7C15L + index));
        // 53 random bits -> uniform in [0, 1)
        double u = (h >>> 11) * 0x1.0p-53;
        return u >= p;
    }

    /** SplitMix64's finalizer: a bijective avalanche mix of 64 bits. */
    static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
