package ai.stratum.data.spark;

import ai.stratum.data.quality.ClassifierTrainer;
import ai.stratum.data.quality.QualityScorer;
import ai.stratum.data.quality.QualityScorerProvider;
import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.recipe.FiltersConfig;
import ai.stratum.data.recipe.QualityConfig;
import ai.stratum.data.run.DataPipeline;
import ai.stratum.data.run.RecipeJson;
import ai.stratum.data.shard.ByteLevelEncoder;
import ai.stratum.fixtures.web.SyntheticWeb;
import ai.stratum.fixtures.web.WordLists;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The recipe's {@code quality} step inside Spark tasks: the built-in classifier (weight mode, fractional weights,
 * so the per-document copy draw is exercised) and a scorer plugged in through {@link QualityScorerProvider} with
 * options (filter mode, labels), as the CLI's perplexity scorer plugs in. Each run under Spark must write what the
 * local executor writes, byte for byte, scores and labels in the kept-document files included.
 */
class SparkQualityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static JavaSparkContext jsc;

    @TempDir
    Path tmp;

    /**
     * Type {@code test_length}: score = words x {@code options.per_word}; label {@code long} at or above 1, else
     * {@code short}. An option it does not know is refused by name, as the real providers do.
     */
    public static final class LengthScorerProvider implements QualityScorerProvider {
        @Override
        public String type() {
            return "test_length";
        }

        @Override
        public QualityScorer open(QualityConfig config) {
            for (String key : config.options().keySet()) {
                if (!key.equals("per_word")) {
                    throw new IllegalArgumentException("filters.quality.options." + key + ": unknown");
                }
            }
            double perWord = ((Number) config.options().get("per_word")).doubleValue();
            return new QualityScorer() {
                @Override
                public String describe() {
                    return "length x " + perWord;
                }

                @Override
                public double score(String text) {
                    return text.split("\\s+").length * perWord;
                }

                @Override
                public String label(double score) {
                    return score >= 1 ? "long" : "short";
                }
            };
        }
    }

    @BeforeAll
    static void start() {
        jsc = SparkTests.start("SparkQualityTest");
    }

    @AfterAll
    static void stop() {
        jsc.stop();
    }

    private static DataRecipe withQuality(DataRecipe r, QualityConfig q) {
        FiltersConfig d = r.filters();
        return new DataRecipe(r.inputs(), new FiltersConfig(d.extract(), d.normalize(), d.language(),
                d.gopherRepetition(), d.gopherQuality(), d.c4(), d.fineweb(), q), r.dedup(), r.pii(), r.mixture(),
                r.tokenizer(), r.output(), r.seed(), r.threads());
    }

    /** Runs the recipe locally and under Spark; asserts identical outputs; returns the kept documents' metadata. */
    private List<JsonNode> sameUnderSpark(DataRecipe recipe, String name) throws IOException {
        assertEquals(recipe, RecipeJson.read(RecipeJson.write(recipe)), "the recipe survives the trip to tasks");
        new DataPipeline(recipe, new ByteLevelEncoder(), null, null).run(tmp.resolve(name + "-local"));
        new DataPipeline(recipe, new ByteLevelEncoder(), null, null, new SparkExecutor(jsc))
                .run(tmp.resolve(name + "-spark"));
        Map<String, String> want = SparkExecutorTest.snapshot(tmp.resolve(name + "-local"));
        assertEquals(want, SparkExecutorTest.snapshot(tmp.resolve(name + "-spark")));
        return keptDocuments(tmp.resolve(name + "-spark"));
    }

    private static List<JsonNode> keptDocuments(Path out) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(out.resolve("documents"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl.zst")).sorted().toList()) {
                try (var in = new com.github.luben.zstd.ZstdInputStream(Files.newInputStream(f))) {
                    for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                            .split("\n")) {
                        if (!line.isBlank()) {
                            docs.add(JSON.readTree(line));
                        }
                    }
                }
            }
        }
        return docs;
    }

    /** How many documents each reason dropped (from {@link SparkExecutorTest#reasons}: id -> "reason detail"). */
    private static Map<String, Integer> rejectReasons(Path out) throws IOException {
        Map<String, Integer> counts = new TreeMap<>();
        for (String r : SparkExecutorTest.reasons(out).values()) {
            counts.merge(r.substring(0, r.indexOf(' ')), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void theClassifierWeightsDocumentsInsideSparkTasksAsTheLocalExecutorDoes() throws IOException {
        // hq: long English prose; web: one-sentence pages; the corpus's clean documents score in between
        SyntheticWeb web = new SyntheticWeb(17);
        List<ClassifierTrainer.Example> examples = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            examples.add(new ClassifierTrainer.Example(web.prose(WordLists.EN, 2), "hq"));
            examples.add(new ClassifierTrainer.Example(web.spam(8), "web"));
        }
        Path model = tmp.resolve("q.sqc");
        ClassifierTrainer.train(examples, new ClassifierTrainer.Options(16, 2, 3, 0.1, 5, "hq")).save(model);
        QualityConfig q = new QualityConfig(true, "classifier", model.toString(), "weight", 0.5,
                List.of(List.of(0.0, 0.5), List.of(0.999, 1.5)));
        DataRecipe recipe = withQuality(SparkExecutorTest.recipe(SparkExecutorTest.corpus(tmp.resolve("in"), 5)), q);

        List<JsonNode> kept = sameUnderSpark(recipe, "classifier");
        assertTrue(kept.size() > 5, "documents kept: " + kept.size());
        for (JsonNode d : kept) {
            assertTrue(d.get("metadata").has("quality_score") && d.get("metadata").has("quality_weight"),
                    "scores in the documents: " + d);
        }
        // fractional weights: some documents sampled out, some written twice
        assertTrue(rejectReasons(tmp.resolve("classifier-spark")).containsKey("quality_sampled_out"),
                rejectReasons(tmp.resolve("classifier-spark")).toString());
    }

    @Test
    void aProviderScorerWithOptionsFiltersInsideSparkTasksAsTheLocalExecutorDoes() throws IOException {
        Path in = SparkExecutorTest.corpus(tmp.resolve("in"), 6);
        // one over the median word count of the corpus's lines: about half the clean documents score >= 1
        List<Integer> words = new ArrayList<>();
        try (Stream<Path> files = Files.list(in)) {
            for (Path f : files.sorted().toList()) {
                try (var gz = new java.util.zip.GZIPInputStream(Files.newInputStream(f))) {
                    for (String line : new String(gz.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                            .split("\n")) {
                        words.add(line.split("\\s+").length);
                    }
                }
            }
        }
        java.util.Collections.sort(words);
        QualityConfig q = new QualityConfig(true, "test_length", "", "filter", 1.0,
                QualityConfig.defaults().weights(), Map.of("per_word", 1.0 / words.get(words.size() / 2)));
        DataRecipe recipe = withQuality(SparkExecutorTest.recipe(in), q);

        List<JsonNode> kept = sameUnderSpark(recipe, "provider");
        assertTrue(!kept.isEmpty());
        for (JsonNode d : kept) {
            assertEquals("long", d.get("metadata").path("quality_label").asText(), "kept documents score >= 1: " + d);
        }
        assertTrue(rejectReasons(tmp.resolve("provider-spark")).getOrDefault("quality_below_threshold", 0) > 0,
                rejectReasons(tmp.resolve("provider-spark")).toString());
    }
}
