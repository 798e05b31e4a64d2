package ai.stratum.data.spark;

import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.recipe.DedupConfig;
import ai.stratum.data.recipe.FiltersConfig;
import ai.stratum.data.recipe.InputConfig;
import ai.stratum.data.recipe.OutputConfig;
import ai.stratum.data.recipe.PiiConfig;
import ai.stratum.data.recipe.TokenizerConfig;
import ai.stratum.data.run.DataPipeline;
import ai.stratum.data.run.Executor;
import ai.stratum.data.run.RecipeJson;
import ai.stratum.data.shard.ByteLevelEncoder;
import ai.stratum.fixtures.process.ChildJvm;
import ai.stratum.fixtures.web.SyntheticWeb;
import ai.stratum.fixtures.web.WordLists;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Spark executor in local[2] against the local executor: same output directory, byte for byte. */
class SparkExecutorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static JavaSparkContext jsc;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        jsc = SparkTests.start("SparkExecutorTest");
    }

    @AfterAll
    static void stop() {
        jsc.stop();
    }

    /**
     * Four JSONL files of clean English prose, with exact and near duplicates inside and across files (a chain
     * A, A', A'' of near duplicates whose first member is in the last file), German, spam, too-short
     * documents and a broken line.
     */
    static Path corpus(Path dir, long seed) throws IOException {
        SyntheticWeb web = new SyntheticWeb(seed);
        Files.createDirectories(dir);
        List<StringBuilder> files = new ArrayList<>();
        for (int f = 0; f < 4; f++) {
            files.add(new StringBuilder());
        }
        List<String> originals = new ArrayList<>();
        for (int f = 0; f < 4; f++) {
            for (int i = 0; i < 8; i++) {
                String text = web.prose(WordLists.EN, 4);
                originals.add(text);
                line(files.get(f), "clean-" + f + "-" + i, text);
            }
            line(files.get(f), "german-" + f, web.prose(WordLists.DE, 4));
            line(files.get(f), "spam-" + f, web.spam(30));
            line(files.get(f), "short-" + f, web.sentence(WordLists.EN));
        }
        for (int k = 0; k < 6; k++) {
            String original = originals.get(k * 5 % originals.size());
            line(files.get((k + 1) % 4), "exact-" + k, original.replace(" ", "  "));
            String near = web.nearDuplicate(original, 0.003, WordLists.EN);
            line(files.get((k + 2) % 4), "near-" + k, near);
            line(files.get((k + 3) % 4), "nearer-" + k, web.nearDuplicate(near, 0.003, WordLists.EN));
        }
        files.get(2).append("{\"id\": \"broken\", \"text\": \n");
        for (int f = 0; f < 4; f++) {
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("part-" + f
                    + ".jsonl.gz")))) {
                out.write(files.get(f).toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        return dir;
    }

    private static void line(StringBuilder sb, String id, String text) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("text", text);
        sb.append(JSON.writeValueAsString(m)).append('\n');
    }

    static DataRecipe recipe(Path corpus) {
        List<InputConfig> inputs = List.of(
                new InputConfig("a", "jsonl", List.of(corpus + "/part-[01].jsonl.gz"), "text", "id"),
                new InputConfig("b", "jsonl", List.of(corpus + "/part-[23].jsonl.gz"), "text", "id"));
        return new DataRecipe(inputs, FiltersConfig.defaults(), DedupConfig.defaults(), PiiConfig.defaults(),
                Map.of("a", 1.5, "b", 0.8), new TokenizerConfig("bytes", null),
                new OutputConfig("test", 1500, 0.15, true, List.of("jsonl.zst", "parquet")), 99, 2);
    }

    /** Every file of a run but the work area; stats.json without timings. */
    static Map<String, String> snapshot(Path out) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> files = Files.walk(out)) {
            for (Path f : files.filter(Files::isRegularFile).filter(p -> !out.relativize(p).startsWith("work"))
                    .toList()) {
                String rel = out.relativize(f).toString();
                if (rel.equals("stats.json")) {
                    JsonNode root = JSON.readTree(f.toFile());
                    ((ObjectNode) root).remove("this_run_seconds");
                    root.get("steps").forEach(s -> ((ObjectNode) s).remove("seconds"));
                    m.put(rel, root.toString());
                } else {
                    m.put(rel, sha256(f));
                }
            }
        }
        return m;
    }

    private static String sha256(Path f) throws IOException {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(f)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static Map<String, String> reasons(Path out) throws IOException {
        Map<String, String> byId = new TreeMap<>();
        try (Stream<Path> files = Files.list(out.resolve("rejects"))) {
            for (Path f : files.sorted().toList()) {
                for (String l : Files.readAllLines(f)) {
                    JsonNode n = JSON.readTree(l);
                    byId.put(n.get("id").asText(), n.get("reason").asText() + " " + n.get("detail").asText());
                }
            }
        }
        return byId;
    }

    @Test
    void sparkKeepsTheSameDocumentsWithTheSameReasonsAndWritesTheSameShardsAsTheLocalExecutor()
            throws IOException {
        DataRecipe recipe = recipe(corpus(tmp.resolve("in"), 5));
        assertEquals(recipe, RecipeJson.read(RecipeJson.write(recipe)), "the recipe survives the trip to tasks");
        DataPipeline.Result local = new DataPipeline(recipe, new ByteLevelEncoder(), null, null)
                .run(tmp.resolve("local"));
        DataPipeline.Result spark = new DataPipeline(recipe, new ByteLevelEncoder(), null, null,
                new SparkExecutor(jsc)).run(tmp.resolve("spark"));

        Map<String, String> want = snapshot(tmp.resolve("local"));
        assertEquals(want, snapshot(tmp.resolve("spark")));
        assertEquals(local, new DataPipeline.Result(local.out(), spark.inputRecords(), spark.outputDocuments(),
                spark.rejected(), spark.trainTokens(), spark.valTokens(), spark.shards()));
        // the corpus exercises what it should: duplicates across splits, a chain, shards of both splits
        Map<String, String> reasons = reasons(tmp.resolve("spark"));
        assertEquals(reasons(tmp.resolve("local")), reasons);
        // each planted group (an original, its exact copy, a near copy and a near copy of that) keeps one
        for (int k = 0; k < 6; k++) {
            int original = k * 5 % 32;
            long removed = Stream.of("clean-" + original / 8 + "-" + original % 8, "exact-" + k, "near-" + k,
                    "nearer-" + k).filter(id -> reasons.getOrDefault(id, "").contains("_duplicate")).count();
            assertEquals(3, removed, "group " + k + ": " + reasons);
        }
        assertTrue(reasons.values().stream().anyMatch(r -> r.startsWith("exact_duplicate")));
        assertTrue(reasons.values().stream().anyMatch(r -> r.startsWith("minhash_duplicate")));
        assertTrue(want.keySet().stream().anyMatch(k -> k.startsWith("test_val_")));
        assertTrue(want.keySet().stream().filter(k -> k.startsWith("test_train_")).count() > 3);
        assertTrue(want.containsKey("documents/test-000003.parquet"));
    }

    @Test
    void aJobThatFailsMidRunAndIsResubmittedFinishesWithTheSameOutput() throws IOException {
        DataRecipe recipe = recipe(corpus(tmp.resolve("in"), 6));
        new DataPipeline(recipe, new ByteLevelEncoder(), null, null).run(tmp.resolve("local"));
        Map<String, String> want = snapshot(tmp.resolve("local"));
        String[][] crashes = {{"filter", "1"}, {"dedup", "-1"}, {"tokens", "2"}, {"documents", "0"}};
        for (String[] crash : crashes) {
            Path out = tmp.resolve("spark-" + crash[0]);
            String phase = crash[0];
            int split = Integer.parseInt(crash[1]);
            DataPipeline.Checkpoint boom = (p, s) -> {
                if (p.equals(phase) && s == split) {
                    throw new IOException("simulated crash after " + p + " " + s);
                }
            };
            Exception e = assertThrows(Exception.class, () -> new DataPipeline(recipe, new ByteLevelEncoder(),
                    null, boom, new SparkExecutor(jsc)).run(out));
            assertTrue(String.valueOf(e.getMessage()).contains("simulated crash"), String.valueOf(e));
            new DataPipeline(recipe, new ByteLevelEncoder(), null, null, new SparkExecutor(jsc)).run(out);
            assertEquals(want, snapshot(out), "after a crash in " + phase);
        }
    }

    @Test
    void aSparkJobKilledWithSigkillMidRunAndResubmittedFinishesWithTheSameOutput() throws Exception {
        Path in = corpus(tmp.resolve("in"), 8);
        new DataPipeline(recipe(in), new ByteLevelEncoder(), null, null).run(tmp.resolve("local"));
        Path out = tmp.resolve("killed");
        Process child = ChildJvm.start(tmp.resolve("child.log"), SparkKillMain.class, null, in.toString(),
                out.toString(), "300");
        Path marker = out.resolve("work").resolve("filter").resolve("000001.done");
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(180);
        while (!Files.exists(marker) && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(marker), "the child never finished a split: " + Files.readString(tmp.resolve(
                "child.log")));
        assertTrue(child.isAlive(), "the child finished before it could be killed");
        child.destroyForcibly().waitFor();
        assertTrue(!Files.exists(out.resolve("manifest.json")));
        new DataPipeline(recipe(in), new ByteLevelEncoder(), null, null, new SparkExecutor(jsc)).run(out);
        assertEquals(snapshot(tmp.resolve("local")), snapshot(out));
    }

    @Test
    void inputsGivenAsHadoopUrisAreReadThroughTheHadoopFileSystemWithTheSameOutput() throws IOException {
        Path in = corpus(tmp.resolve("in"), 7);
        DataRecipe plain = recipe(in);
        List<InputConfig> uris = List.of(
                new InputConfig("a", "jsonl", List.of(in.toUri() + "part-[01].jsonl.gz"), "text", "id"),
                new InputConfig("b", "jsonl", List.of(in.toUri().toString()), "text", "id"));
        DataRecipe viaHadoop = new DataRecipe(uris, plain.filters(), plain.dedup(), plain.pii(), plain.mixture(),
                plain.tokenizer(), plain.output(), plain.seed(), plain.threads());
        // b's directory holds a and b's files: a's two come again, as new documents of source b
        new DataPipeline(new DataRecipe(List.of(plain.inputs().get(0), new InputConfig("b", "jsonl",
                List.of(in.toString()), "text", "id")), plain.filters(), plain.dedup(), plain.pii(), plain.mixture(),
                plain.tokenizer(), plain.output(), plain.seed(), plain.threads()), new ByteLevelEncoder(), null, null)
                .run(tmp.resolve("local"));
        new DataPipeline(viaHadoop, new ByteLevelEncoder(), null, null, new SparkExecutor(jsc))
                .run(tmp.resolve("spark"));
        Map<String, String> want = snapshot(tmp.resolve("local"));
        assertEquals(want, snapshot(tmp.resolve("spark")));
        assertTrue(want.containsKey("rejects/filter-000005.jsonl"), "six splits: " + want.keySet());
        IOException missing = assertThrows(IOException.class, () -> new DataPipeline(new DataRecipe(
                List.of(new InputConfig("a", "jsonl", List.of(in.toUri() + "nothing-*.jsonl"), "text", "id")),
                plain.filters(), plain.dedup(), plain.pii(), Map.of(), plain.tokenizer(), plain.output(),
                plain.seed(), plain.threads()), new ByteLevelEncoder(), null, null, new SparkExecutor(jsc))
                .run(tmp.resolve("none")));
        assertTrue(missing.getMessage().contains("input 'a': no file matches"), missing.getMessage());
    }

    @Test
    void anOutputOnAHadoopFileSystemGetsTheSameFilesAndResumesAfterAFailedJob() throws IOException {
        DataRecipe recipe = recipe(corpus(tmp.resolve("in"), 9));
        new DataPipeline(recipe, new ByteLevelEncoder(), null, null).run(tmp.resolve("local"));
        Map<String, String> want = snapshot(tmp.resolve("local"));
        String remote = tmp.resolve("remote").toUri().toString();
        DataPipeline.Checkpoint boom = (p, s) -> {
            if (p.equals("tokens") && s == 2) {
                throw new IOException("simulated crash after " + p + " " + s);
            }
        };
        assertThrows(Exception.class, () -> new DataPipeline(recipe, new ByteLevelEncoder(), null, boom,
                new SparkExecutor(jsc, remote)).run(tmp.resolve("staging-1")));
        assertTrue(Files.exists(tmp.resolve("remote/work/filter/000003.done")), "filter finished remotely");
        new DataPipeline(recipe, new ByteLevelEncoder(), null, null, new SparkExecutor(jsc, remote))
                .run(tmp.resolve("staging-2"));
        assertEquals(want, snapshot(tmp.resolve("remote")));
        assertTrue(!Files.exists(tmp.resolve("staging-2/work/filter/000000.docs.jsonl")),
                "the driver's staging holds no split's work");
    }

    @Test
    void theCliFindsTheSparkExecutorByNameAndRefusesUnknownOptions() {
        Executor e = Executor.named("spark", Map.of("master", "local[2]"));
        assertTrue(e instanceof SparkExecutor);
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Executor.named("spark", Map.of("mastr", "local[2]")));
        assertTrue(bad.getMessage().contains("'mastr'"), bad.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> Executor.named("flink", Map.of()));
        assertTrue(none.getMessage().contains("[local, spark]"), none.getMessage());
    }
}
