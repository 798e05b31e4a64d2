package ai.stratum.util;

/**
 * Derives independent seeds from a run seed and a position (epoch, shard, step, micro-step...), so that every
 * random choice is a pure function of where the run is, and a resumed run repeats it exactly.
 */
public final class Seeds {

    private Seeds() {
    }

    /** SplitMix64's finalizer: a bijection that scatters nearby inputs. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A seed for the random source at {@code position} of a run seeded with {@code seed}. */
    public static long derive(long seed, long... position) {
        long h = mix(seed);
        for (long p : position) {
            h = mix(h ^ mix(p + 0x9E3779B97F4A7C15L));
        }
        return h;
    }
}
