package ai.stratum.data.run;

import ai.stratum.data.recipe.DataRecipe;

import java.nio.charset.StandardCharsets;

/**
 * Per-document decisions that must not depend on order or threads: how many copies a document gets from its
 * source's mixing weight, and whether it goes to the validation split. Both come from a hash of (seed, source,
 * id), so a rerun, a different thread count or a distributed executor decide the same.
 */
public final class SourceMixer {
    private final DataRecipe recipe;

    public SourceMixer(DataRecipe recipe) {
        this.recipe = recipe;
    }

    /**
     * Copies of a document: {@code floor(w)} always, one more with probability {@code w - floor(w)}. A weight of
     * 0.3 keeps about 30% of a source; 2.5 writes every document twice and half of them a third time.
     */
    public int copies(String source, String id) {
        double w = recipe.weight(source);
        int whole = (int) Math.floor(w);
        double frac = w - whole;
        return whole + (uniform(source, id, 0x6D6978L) < frac ? 1 : 0);
    }

    public boolean isValidation(String source, String id) {
        return uniform(source, id, 0x76616CL) < recipe.output().valFraction();
    }

    /** A uniform double in [0, 1) from the seed, a salt, the source and the id. */
    double uniform(String source, String id, long salt) {
        long h = recipe.seed() * 0x9E3779B97F4A7C15L ^ salt;
        for (byte b : source.getBytes(StandardCharsets.UTF_8)) {
            h = mix(h ^ b);
        }
        h = mix(h ^ 0xFF);
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h = mix(h ^ b);
        }
        return (mix(h) >>> 11) * 0x1.0p-53;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb93fe53b3f3bL;
        return z ^ (z >>> 33);
    }
}
