package ai.stratum.data.quality;

/**
 * Scores a document's text for quality; higher is better. The recipe step {@code quality} asks one scorer per
 * document and stores the score in the document's metadata ({@code quality_score}).
 *
 * <p>Implementations must be thread-safe (one instance serves every worker) and deterministic (a rerun or a
 * resumed run gets the same score for the same text). The built-in one is {@link ClassifierScorer} (type
 * {@code classifier}); others -- perplexity under a Stratum language model, an LM annotator's educational-value
 * score -- plug in through {@link QualityScorerProvider} from modules that data-pipeline does not depend on.
 */
public interface QualityScorer extends AutoCloseable {
    /** A short description for logs and stats, e.g. {@code classifier model.sqc (hq)}. */
    String describe();

    double score(String text);

    /**
     * A label for a score, stored beside it as {@code quality_label} (e.g. the perplexity scorer's CCNet bucket
     * {@code head}/{@code middle}/{@code tail}); null (the default) stores none.
     */
    default String label(double score) {
        return null;
    }

    @Override
    default void close() {
    }
}
