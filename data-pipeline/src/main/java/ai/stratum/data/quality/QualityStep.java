package ai.stratum.data.quality;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.QualityConfig;
import ai.stratum.data.step.DocumentStep;
import ai.stratum.data.step.StepResult;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The recipe step {@code quality}: scores each document with a {@link QualityScorer}, records
 * {@code quality_score} in its metadata, and filters by threshold or maps the score to copies
 * ({@link QualityConfig}). In weight mode it records {@code quality_weight} and {@code quality_copies}; the mix
 * stage multiplies a document's copies by {@link #copies(Document)}. Deterministic: the score depends on the
 * text only, the copies on (seed, id) only.
 */
public final class QualityStep implements DocumentStep {
    public static final String SCORE = "quality_score";
    public static final String WEIGHT = "quality_weight";
    public static final String COPIES = "quality_copies";
    /** A label the scorer derives from the score ({@link QualityScorer#label}), counted per value by data stats. */
    public static final String LABEL = "quality_label";
    /** One scorer per configuration: every worker thread's step shares it (models are large and thread-safe). */
    private static final Map<QualityConfig, QualityScorer> SCORERS = new ConcurrentHashMap<>();
    private final QualityConfig c;
    private final QualityScorer scorer;
    private final long seed;

    public QualityStep(QualityConfig config, QualityScorer scorer, long seed) {
        this.c = config;
        this.scorer = scorer;
        this.seed = seed;
    }

    /** The step for a recipe, its scorer opened once per configuration in this JVM. */
    public static QualityStep of(QualityConfig config, long seed) {
        return new QualityStep(config, SCORERS.computeIfAbsent(config, QualityScorers::open), seed);
    }

    @Override
    public String name() {
        return "quality";
    }

    @Override
    public StepResult apply(Document doc, StepStats stats) {
        double score = scorer.score(doc.text());
        String s = ai.stratum.data.Decimals.fixed(score, 4);
        String label = scorer.label(score);
        if (label != null) {
            stats.count("label_" + label, 1);
        }
        if (c.mode().equals("filter")) {
            if (!(score >= c.threshold())) {
                return StepResult.drop("quality_below_threshold", s + (label == null ? "" : " (" + label + ")")
                        + " < " + c.threshold());
            }
            return StepResult.keep(labelled(doc.withMetadata(SCORE, s), label));
        }
        double w = c.weightFor(score);
        int whole = (int) Math.floor(w);
        int copies = whole + (uniform(seed, doc.id()) < w - whole ? 1 : 0);
        stats.count("copies", copies);
        if (copies == 0) {
            return StepResult.drop("quality_sampled_out", "score " + s + " weight " + w);
        }
        return StepResult.keep(labelled(doc.withMetadata(SCORE, s), label).withMetadata(WEIGHT, Double.toString(w))
                .withMetadata(COPIES, Integer.toString(copies)));
    }

    private static Document labelled(Document doc, String label) {
        return label == null ? doc : doc.withMetadata(LABEL, label);
    }

    /** The most copies the step can give one document under a configuration (1 unless it weights). */
    public static int maxCopies(QualityConfig config) {
        if (!config.enabled() || !config.mode().equals("weight")) {
            return 1;
        }
        return Math.max(1, (int) Math.ceil(config.weights().stream().mapToDouble(w -> w.get(1)).max().orElse(1)));
    }

    /** The copies the quality step gave a document (1 when it set none). */
    public static int copies(Document doc) {
        String v = doc.metadata().get(COPIES);
        return v == null ? 1 : Integer.parseInt(v);
    }

    /** A uniform double in [0, 1) from the seed and the document id (salted apart from the source mixer's). */
    static double uniform(long seed, String id) {
        long h = seed * 0x9E3779B97F4A7C15L ^ 0x7175616C69747931L;
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h = HashedNgrams.mix(h ^ (b & 0xFF));
        }
        return (HashedNgrams.mix(h) >>> 11) * 0x1.0p-53;
    }
}
