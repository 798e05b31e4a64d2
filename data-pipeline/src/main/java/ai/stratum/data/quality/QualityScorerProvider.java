package ai.stratum.data.quality;

import ai.stratum.data.recipe.QualityConfig;

/**
 * Makes {@link QualityScorer}s of one {@code type} (the recipe's {@code filters.quality.type}). Found with
 * {@link java.util.ServiceLoader}: a module on the class path lists its providers in
 * {@code META-INF/services/ai.stratum.data.quality.QualityScorerProvider}, e.g. trainer-core's perplexity scorer,
 * without data-pipeline depending on it.
 */
public interface QualityScorerProvider {
    /** The recipe's {@code type} this provider serves, e.g. {@code perplexity}. */
    String type();

    /** A scorer for the recipe's settings; bad settings throw IllegalArgumentException naming the key. */
    QualityScorer open(QualityConfig config);
}
