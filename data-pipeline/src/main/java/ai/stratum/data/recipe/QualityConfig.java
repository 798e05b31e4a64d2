package ai.stratum.data.recipe;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code quality} step (after the heuristic filters): a scorer of {@code type} ({@code classifier}: a model
 * trained by {@code stratum data classifier train}, file {@code model}) scores each document; the score goes to
 * its metadata as {@code quality_score}. Then, by {@code mode}:
 * <ul>
 *   <li>{@code filter}: drop documents scoring below {@code threshold} (reason {@code quality_below_threshold});</li>
 *   <li>{@code weight}: map the score to a sampling weight with {@code weights}, a list of
 *       {@code [min_score, weight]} in increasing {@code min_score} (the last entry not above the score applies;
 *       below the first, weight 0); a document is then written {@code floor(weight)} times and once more with
 *       probability {@code weight - floor(weight)}, drawn from a hash of the recipe seed and the document id (so
 *       reruns and resumed runs decide the same). Zero copies drops it as {@code quality_sampled_out}.</li>
 * </ul>
 * {@code options} holds the settings of scorer types other than {@code classifier} (which takes none), e.g. the
 * perplexity scorer's window length and bucket thresholds; each provider checks them and refuses a key it does not
 * know by name ({@code filters.quality.options.KEY}).
 */
public record QualityConfig(boolean enabled, String type, String model, String mode, double threshold,
                            List<List<Double>> weights, Map<String, Object> options) {
    /** No scorer options. */
    public QualityConfig(boolean enabled, String type, String model, String mode, double threshold,
                         List<List<Double>> weights) {
        this(enabled, type, model, mode, threshold, weights, Map.of());
    }

    public QualityConfig {
        if (type == null || type.isBlank()) {
            throw new IllegalArgumentException("filters.quality.type: name a scorer type, e.g. classifier");
        }
        model = model == null ? "" : model;
        if (enabled && "classifier".equals(type) && (model.isEmpty() || !java.nio.file.Files.isRegularFile(
                java.nio.file.Path.of(model)))) {
            throw new IllegalArgumentException("filters.quality.model: " + (model.isEmpty() ? "required"
                    : "'" + model + "' is not a file") + " for type classifier (train one with 'stratum data "
                    + "classifier train --input labelled.jsonl --out FILE')");
        }
        if (!"filter".equals(mode) && !"weight".equals(mode)) {
            throw new IllegalArgumentException("filters.quality.mode: 'filter' (drop below threshold) or 'weight' "
                    + "(score -> sampling weight), got '" + mode + "'");
        }
        if (!Double.isFinite(threshold)) {
            throw new IllegalArgumentException("filters.quality.threshold: a finite number, got " + threshold);
        }
        if (weights == null || weights.isEmpty()) {
            throw new IllegalArgumentException("filters.quality.weights: a non-empty list of [min_score, weight]");
        }
        double last = Double.NEGATIVE_INFINITY;
        for (List<Double> w : weights) {
            if (w == null || w.size() != 2 || w.get(0) == null || w.get(1) == null || !Double.isFinite(w.get(0))
                    || !(w.get(1) >= 0 && w.get(1) <= 100)) {
                throw new IllegalArgumentException("filters.quality.weights: each entry is [min_score, weight] with "
                        + "0 <= weight <= 100, got " + w);
            }
            if (!(w.get(0) > last)) {
                throw new IllegalArgumentException("filters.quality.weights: min_score must increase from entry to "
                        + "entry, got " + weights);
            }
            last = w.get(0);
        }
        weights = weights.stream().map(List::copyOf).toList();
        options = options == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    public static QualityConfig defaults() {
        return new QualityConfig(false, "classifier", "", "filter", 0.5,
                List.of(List.of(0.0, 0.5), List.of(0.5, 1.0), List.of(0.8, 2.0)), Map.of());
    }

    /** The sampling weight of a score ({@code weight} mode). */
    public double weightFor(double score) {
        double w = 0;
        for (List<Double> e : weights) {
            if (score >= e.get(0)) {
                w = e.get(1);
            }
        }
        return w;
    }
}
