package ai.stratum.cli.data;

import ai.stratum.cli.Main;
import ai.stratum.config.ConfigLoader;
import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.recipe.DedupConfig;
import ai.stratum.data.recipe.FiltersConfig;
import ai.stratum.data.recipe.PiiConfig;
import ai.stratum.fixtures.web.SyntheticWeb;
import ai.stratum.fixtures.web.WordLists;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataCommandsTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    /** A JSONL input of clean English documents, a German one, a duplicate and a bad line; and a recipe for it. */
    private Path recipe() throws IOException {
        SyntheticWeb web = new SyntheticWeb(8);
        ObjectMapper json = new ObjectMapper();
        StringBuilder sb = new StringBuilder();
        String first = null;
        for (int i = 0; i < 10; i++) {
            String text = web.prose(WordLists.EN, 5);
            first = first == null ? text : first;
            sb.append(json.writeValueAsString(Map.of("id", "en-" + i, "text", text))).append('\n');
        }
        sb.append(json.writeValueAsString(Map.of("id", "de", "text", web.prose(WordLists.DE, 5)))).append('\n');
        sb.append(json.writeValueAsString(Map.of("id", "dup", "text", first))).append('\n');
        sb.append("{not json\n");
        Path input = Files.writeString(dir.resolve("docs.jsonl"), sb.toString());
        return Files.writeString(dir.resolve("recipe.yaml"), """
                inputs:
                  - name: docs
                    format: jsonl
                    paths: [%s]
                    text_field: text
                    id_field: id
                output:
                  name: tiny
                  shard_tokens: 4000
                  val_fraction: 0.0
                  rejects_with_text: true
                threads: 2
                """.formatted(input));
    }

    @Test
    void prepareWritesShardsAndStatsPrintsTheTable() throws IOException {
        Path out = dir.resolve("out");
        Result r = run("data", "prepare", "--recipe", recipe().toString(), "--out", out.toString(),
                "--progress-millis", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("docs/s") && r.err().contains("MB/s"), "progress bar on stderr: " + r.err());
        assertTrue(r.out().contains("10 of 13 input records kept, 3 rejected"), r.out());
        assertTrue(r.out().contains("balanced"), r.out());
        JsonNode manifest = new ObjectMapper().readTree(out.resolve("manifest.json").toFile());
        assertTrue(manifest.get("shards").size() >= 2, manifest.toString());
        assertTrue(Files.exists(out.resolve("tiny_train_000000.bin")));
        assertTrue(Files.readString(out.resolve("recipe.yaml")).contains("min_doc_words: 50"));

        Result stats = run("data", "stats", out.toString());
        assertEquals(0, stats.code(), stats.err());
        for (String step : List.of("read_jsonl", "extract", "language", "gopher_quality", "dedup", "tokenize")) {
            assertTrue(stats.out().contains(step), step + " in\n" + stats.out());
        }
        assertTrue(stats.out().contains("language_not_allowed 1"), stats.out());
        assertTrue(stats.out().contains("exact_duplicate 1"), stats.out());
        assertTrue(stats.out().contains("kept documents by source: docs 10"), stats.out());
        assertTrue(stats.out().matches("(?s).*kept documents by language_score: (0\\.[0-9]-[01]\\.[0-9] [0-9]+ ?)+\n.*"),
                stats.out());

        String manifestText = Files.readString(out.resolve("manifest.json"));
        var shardTime = Files.getLastModifiedTime(out.resolve("tiny_train_000000.bin"));
        Result again = run("data", "prepare", "--recipe", dir.resolve("recipe.yaml").toString(), "--out",
                out.toString());
        assertEquals(0, again.code(), again.err());
        assertEquals(manifestText, Files.readString(out.resolve("manifest.json")));
        assertEquals(shardTime, Files.getLastModifiedTime(out.resolve("tiny_train_000000.bin")),
                "a finished run is reused, not redone");
    }

    @Test
    void userErrorsExitWithCodeTwoAndNameTheProblem() throws IOException {
        Path recipe = recipe();
        Files.writeString(recipe, Files.readString(recipe) + "filters:\n  c4:\n    min_sentences: 3\n");
        Result unknown = run("data", "prepare", "--recipe", recipe.toString(), "--out", dir.resolve("o").toString());
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("filters.c4.min_sentences"), unknown.err());

        Result bad = run("data", "prepare", "--recipe", recipe().toString(), "--out", dir.resolve("o").toString(),
                "--set", "filters.language.min_score=1.5");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("filters.language.min_score") && bad.err().contains("[0, 1]"), bad.err());

        Result missing = run("data", "prepare", "--recipe", dir.resolve("nope.yaml").toString(), "--out", "x");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nope.yaml"), missing.err());

        Result notRun = run("data", "stats", dir.toString());
        assertEquals(2, notRun.code());
        assertTrue(notRun.err().contains("stats.json") && notRun.err().contains("stratum data prepare"),
                notRun.err());
    }

    @Test
    void documentOutputsAndExecutorsAreChosenByNameAndBadNamesRefused() throws IOException {
        Path out = dir.resolve("docs-out");
        Result ok = run("data", "prepare", "--recipe", recipe().toString(), "--out", out.toString(), "--set",
                "output.documents=[jsonl, parquet]", "--executor", "local");
        assertEquals(0, ok.code(), ok.err());
        assertEquals(10, Files.readAllLines(out.resolve("documents").resolve("tiny-000000.jsonl")).size());
        assertTrue(Files.size(out.resolve("documents").resolve("tiny-000000.parquet")) > 0);

        Result format = run("data", "prepare", "--recipe", recipe().toString(), "--out", dir.resolve("o").toString(),
                "--set", "output.documents=[csv]");
        assertEquals(2, format.code());
        assertTrue(format.err().contains("output.documents") && format.err().contains("csv"), format.err());

        Result flink = run("data", "prepare", "--recipe", recipe().toString(), "--out", dir.resolve("o").toString(),
                "--executor", "flink");
        assertEquals(2, flink.code());
        assertTrue(flink.err().contains("'flink' is not available; available: [local]"), flink.err());
        // the CLI itself does not carry Spark: the spark executor comes from the data-spark module
        Result spark = run("data", "prepare", "--recipe", recipe().toString(), "--out", dir.resolve("o").toString(),
                "--executor", "spark", "--master", "local[2]");
        assertEquals(2, spark.code());
        assertTrue(spark.err().contains("data-spark"), spark.err());
        Result uri = run("data", "prepare", "--recipe", recipe().toString(), "--out", "hdfs://nn:8020/runs/x");
        assertEquals(2, uri.code());
        assertTrue(uri.err().contains("needs --executor spark"), uri.err());
        Result option = run("data", "prepare", "--recipe", recipe().toString(), "--out", dir.resolve("o").toString(),
                "--executor-option", "nokey");
        assertEquals(2, option.code());
        assertTrue(option.err().contains("--executor-option"), option.err());
    }

    @Test
    void dryRunPrintsTheResolvedRecipe() throws IOException {
        Result r = run("data", "prepare", "--recipe", recipe().toString(), "--out", "unused", "--dry-run",
                "--set", "filters.language.languages=[en,de]");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("min_doc_words: 50"), r.out());
        assertTrue(r.out().contains("- de"), r.out());
        assertTrue(!Files.exists(Path.of("unused")));
    }

    @Test
    void theDefaultPresetHoldsExactlyTheLibraryDefaults() throws IOException {
        DataRecipe r = ConfigLoader.load(DataRecipe.class, "data/default", recipe(), List.of()).value();
        assertEquals(FiltersConfig.defaults(), r.filters());
        assertEquals(DedupConfig.defaults(), r.dedup());
        assertEquals(PiiConfig.defaults(), r.pii());
    }
}
