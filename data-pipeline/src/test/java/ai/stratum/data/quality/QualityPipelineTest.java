package ai.stratum.data.quality;

import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.recipe.DedupConfig;
import ai.stratum.data.recipe.FiltersConfig;
import ai.stratum.data.recipe.InputConfig;
import ai.stratum.data.recipe.OutputConfig;
import ai.stratum.data.recipe.PiiConfig;
import ai.stratum.data.recipe.QualityConfig;
import ai.stratum.data.recipe.TokenizerConfig;
import ai.stratum.data.run.DataPipeline;
import ai.stratum.data.shard.ByteLevelEncoder;
import ai.stratum.fixtures.web.SyntheticWeb;
import ai.stratum.fixtures.web.WordLists;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code quality} step inside a pipeline run, with a scorer plugged in through {@link QualityScorerProvider}
 * (registered in this module's test resources, as trainer-core would register a perplexity scorer): filter mode
 * drops low scores into rejects; weight mode writes high scores twice; reruns decide the same.
 */
class QualityPipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Type {@code test_marker}: 0.9 for texts with the word "zebra", else 0.1. */
    public static final class MarkerScorerProvider implements QualityScorerProvider {
        @Override
        public String type() {
            return "test_marker";
        }

        @Override
        public QualityScorer open(QualityConfig config) {
            return new QualityScorer() {
                @Override
                public String describe() {
                    return "marker";
                }

                @Override
                public double score(String text) {
                    return text.contains("zebra") ? 0.9 : 0.1;
                }
            };
        }
    }

    @TempDir
    Path tmp;

    private DataRecipe recipe(Path input, QualityConfig q) {
        FiltersConfig d = FiltersConfig.defaults();
        FiltersConfig f = new FiltersConfig(d.extract(), d.normalize(), d.language(), d.gopherRepetition(),
                d.gopherQuality(), d.c4(), d.fineweb(), q);
        return new DataRecipe(List.of(new InputConfig("web", "jsonl", List.of(input.toString()), "text", "id")), f,
                DedupConfig.defaults(), PiiConfig.defaults(), Map.of(), new TokenizerConfig("bytes", null),
                new OutputConfig("test", 1_000_000, 0.0, true), 1234, 2);
    }

    private static List<JsonNode> rejects(Path out) throws IOException {
        List<JsonNode> all = new ArrayList<>();
        try (var files = Files.list(out.resolve("rejects"))) {
            for (Path p : files.sorted().toList()) {
                for (String line : Files.readAllLines(p)) {
                    all.add(JSON.readTree(line));
                }
            }
        }
        return all;
    }

    @Test
    void filterAndWeightModesInARun() throws IOException {
        SyntheticWeb web = new SyntheticWeb(31);
        List<String> lines = new ArrayList<>();
        int marked = 0;
        for (int i = 0; i < 40; i++) {
            String text = web.prose(WordLists.EN, 6);
            if (i % 4 == 0) {
                text = text + "\nThe zebra in the story is the one that we have seen with the others.";
                marked++;
            }
            lines.add(JSON.writeValueAsString(Map.of("id", "d" + i, "text", text)));
        }
        Path input = tmp.resolve("in.jsonl");
        Files.write(input, lines);
        List<List<Double>> weights = List.of(List.of(0.0, 0.0), List.of(0.5, 2.0));
        DataPipeline.Result filter = new DataPipeline(recipe(input, new QualityConfig(true, "test_marker", "",
                "filter", 0.5, weights)), new ByteLevelEncoder(), null, null).run(tmp.resolve("filter"));
        assertEquals(marked, filter.outputDocuments(), "only the marked documents pass");
        long below = rejects(tmp.resolve("filter")).stream().filter(r -> r.get("step").asText().equals("quality")
                && r.get("reason").asText().equals("quality_below_threshold")).count();
        assertEquals(40 - marked, below, "every low score is in rejects with its reason");

        QualityConfig weight = new QualityConfig(true, "test_marker", "", "weight", 0.5, weights);
        DataPipeline.Result w = new DataPipeline(recipe(input, weight), new ByteLevelEncoder(), null, null)
                .run(tmp.resolve("weight"));
        assertEquals(2 * filter.trainTokens(), w.trainTokens(), "weight 2: each kept document written twice");
        assertTrue(rejects(tmp.resolve("weight")).stream().anyMatch(r -> r.get("reason").asText()
                .equals("quality_sampled_out")));
        DataPipeline.Result again = new DataPipeline(recipe(input, weight), new ByteLevelEncoder(), null, null)
                .run(tmp.resolve("weight-again"));
        assertEquals(w.trainTokens(), again.trainTokens());
        assertEquals(Files.readString(tmp.resolve("weight").resolve("manifest.json")),
                Files.readString(tmp.resolve("weight-again").resolve("manifest.json")), "a rerun writes the same");
    }
}
