package ai.stratum.quality;

import ai.stratum.data.quality.QualityScorer;
import ai.stratum.data.quality.QualityScorerProvider;
import ai.stratum.data.recipe.QualityConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The {@code perplexity} quality scorer (CCNet, Wenzek et al. 2019, with a Stratum language model in place of
 * KenLM): a document's score is {@code -log perplexity} = minus the mean next-token cross-entropy (nats) of its
 * tokens under the model ({@link ScoringModel#nll}: windows of the model's context over long documents), so
 * higher is better and {@code exp(-score)} is the perplexity. With {@code buckets} it also labels the document
 * {@code head}, {@code middle} or {@code tail} ({@code quality_label}). A document with no token scores
 * {@code -Infinity}.
 *
 * <p>Thread-safe: one model, forwards serialized ({@link ScoringModel}); deterministic: the score depends on the
 * text and the settings only (windows of one document are batched together, never with another's).
 */
public final class PerplexityScorer implements QualityScorer {
    private final ScoringModel model;
    private final PerplexityOptions options;

    public PerplexityScorer(ScoringModel model, PerplexityOptions options) {
        this.model = model;
        this.options = options;
    }

    @Override
    public String describe() {
        return "perplexity under " + model.dir() + " (" + options + ")";
    }

    @Override
    public double score(String text) {
        double[] nll = model.nll(model.documentIds(text));
        return nll[1] == 0 ? Double.NEGATIVE_INFINITY : -nll[0] / nll[1];
    }

    @Override
    public String label(double score) {
        return options.bucket(score);
    }

    @Override
    public void close() {
        model.close();
    }

    /** Serves {@code type: perplexity}; {@code model} is a checkpoint or run directory. */
    public static final class Provider implements QualityScorerProvider {
        @Override
        public String type() {
            return "perplexity";
        }

        @Override
        public QualityScorer open(QualityConfig config) {
            PerplexityOptions o = PerplexityOptions.of(config.options());
            if (config.model().isEmpty()) {
                throw new IllegalArgumentException("filters.quality.model: the checkpoint directory of a Stratum "
                        + "language model is required for type perplexity (e.g. runs/NAME/latest)");
            }
            try {
                return new PerplexityScorer(ScoringModel.open(Path.of(config.model()), o.batch(), o.seqLen()), o);
            } catch (IOException e) {
                throw new UncheckedIOException("filters.quality.model: cannot read " + config.model(), e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("filters.quality.model: " + e.getMessage(), e);
            }
        }
    }
}
