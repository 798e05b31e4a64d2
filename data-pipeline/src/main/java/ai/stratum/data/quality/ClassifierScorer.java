package ai.stratum.data.quality;

import ai.stratum.data.recipe.QualityConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The {@code classifier} scorer: a {@link LinearClassifier} read from {@code model}; the score is the positive
 * label's probability (or the expected label value of a numeric-label model).
 */
public final class ClassifierScorer implements QualityScorer {
    private final LinearClassifier model;
    private final String describe;

    public ClassifierScorer(LinearClassifier model, String describe) {
        this.model = model;
        this.describe = describe;
    }

    public static ClassifierScorer open(Path file) {
        try {
            LinearClassifier m = LinearClassifier.load(file);
            return new ClassifierScorer(m, "classifier " + file + " (" + (m.positiveLabel() == null
                    ? "expected value of " + m.labels() : "P(" + m.positiveLabel() + ")") + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the quality classifier " + file, e);
        }
    }

    @Override
    public String describe() {
        return describe;
    }

    @Override
    public double score(String text) {
        return model.score(text);
    }

    /** Serves {@code type: classifier}. */
    public static final class Provider implements QualityScorerProvider {
        @Override
        public String type() {
            return "classifier";
        }

        @Override
        public QualityScorer open(QualityConfig config) {
            if (!config.options().isEmpty()) {
                throw new IllegalArgumentException("filters.quality.options." + config.options().keySet().iterator()
                        .next() + ": the classifier scorer takes no options (its settings are in the model file); "
                        + "remove filters.quality.options");
            }
            if (config.model().isEmpty()) {
                throw new IllegalArgumentException("filters.quality.model: the classifier's model file is required "
                        + "for type classifier (train one with 'stratum data classifier train')");
            }
            return ClassifierScorer.open(Path.of(config.model()));
        }
    }
}
