package ai.stratum.data.run;

import ai.stratum.data.Document;
import ai.stratum.data.Reject;
import ai.stratum.data.StepStats;
import ai.stratum.data.read.Compression;
import ai.stratum.data.read.DocumentSink;
import ai.stratum.data.read.ParquetDocumentReader;
import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.recipe.OutputConfig;
import ai.stratum.data.shard.ByteLevelEncoder;
import blue.strategic.parquet.Hydrator;
import blue.strategic.parquet.HydratorSupplier;
import blue.strategic.parquet.ParquetReader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DocumentOutputsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static DataRecipe withDocuments(DataRecipe r, List<String> formats) {
        OutputConfig o = r.output();
        return new DataRecipe(r.inputs(), r.filters(), r.dedup(), r.pii(), r.mixture(), r.tokenizer(),
                new OutputConfig(o.name(), o.shardTokens(), o.valFraction(), o.rejectsWithText(), formats), r.seed(),
                r.threads());
    }

    static List<JsonNode> jsonl(Path dir, String suffix) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(suffix)).sorted().toList()) {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(Compression.open(f),
                        StandardCharsets.UTF_8))) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        rows.add(JSON.readTree(line));
                    }
                }
            }
        }
        return rows;
    }

    @Test
    void keptDocumentsAsJsonlZstAndParquetMatchTheShardsWithEveryLabel() throws IOException {
        Corpus corpus = new Corpus(tmp.resolve("in"), 11, 6);
        DataRecipe recipe = withDocuments(KillTest.recipe(corpus.dir), List.of("jsonl.zst", "parquet"));
        Path out = tmp.resolve("out");
        DataPipeline.Result r = new DataPipeline(recipe, new ByteLevelEncoder(), null, null).run(out);

        List<JsonNode> rows = jsonl(out.resolve("documents"), ".jsonl.zst");
        assertEquals(r.outputDocuments(), rows.size());
        // every clean text, exactly once, with its copies (crawl has weight 2, val documents get one copy)
        TreeSet<String> texts = new TreeSet<>();
        rows.forEach(n -> texts.add(n.get("text").asText()));
        assertEquals(new TreeSet<>(corpus.cleanTexts), texts);
        for (JsonNode n : rows) {
            String source = n.get("source").asText();
            int want = n.get("split").asText().equals("val") ? 1 : source.equals("crawl") ? 2 : 1;
            assertEquals(want, n.get("copies").asInt(), n.toString());
            JsonNode meta = n.get("metadata");
            assertEquals("en", meta.get("language").asText(), n.toString());
            double score = Double.parseDouble(meta.get("language_score").asText());
            assertTrue(score >= 0.65 && score <= 1, n.toString());
            assertEquals(source.equals("crawl"), meta.has("url"), n.toString());
        }

        // the Parquet rows equal the JSONL rows, in the same order, with one column per metadata key
        List<Map<String, Object>> parquet = new ArrayList<>();
        try (Stream<Path> files = Files.list(out.resolve("documents"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".parquet")).sorted().toList()) {
                try (Stream<Map<String, Object>> s = ParquetReader.streamContent(f.toFile(), rows())) {
                    s.forEach(parquet::add);
                }
            }
        }
        assertEquals(rows.size(), parquet.size());
        for (int i = 0; i < rows.size(); i++) {
            JsonNode want = rows.get(i);
            Map<String, Object> got = parquet.get(i);
            for (String c : List.of("id", "source", "text", "split")) {
                assertEquals(want.get(c).asText(), got.get(c), c + " of row " + i);
            }
            assertEquals(want.get("copies").asInt(), got.get("copies"));
            for (String key : List.of("content_type", "language", "language_score", "url")) {
                JsonNode v = want.get("metadata").get(key);
                assertEquals(v == null ? null : v.asText(), got.get(key), key + " of row " + i);
            }
        }
        // and the project's own Parquet reader reads them as input
        List<Document> back = new ArrayList<>();
        Path first = out.resolve("documents").resolve("test-000000.parquet");
        new ParquetDocumentReader("text", "id").read(first, "again", new DocumentSink() {
            public void accept(Document doc) {
                back.add(doc);
            }

            public void reject(Reject reject) {
                throw new AssertionError(reject.toString());
            }
        }, new StepStats("read"));
        assertEquals(rows.get(0).get("id").asText(), back.get(0).id());
        assertEquals(rows.get(0).get("text").asText(), back.get(0).text());

        // stats: kept documents per source and per score bucket add up
        JsonNode counters = null;
        for (JsonNode s : JSON.readTree(out.resolve("stats.json").toFile()).get("steps")) {
            if (s.get("name").asText().equals("tokenize")) {
                counters = s.get("counters");
            }
        }
        Map<String, Long> bySource = new HashMap<>();
        rows.forEach(n -> bySource.merge(n.get("source").asText(), 1L, Long::sum));
        assertEquals(bySource.get("web"), counters.get("kept_source.web").asLong());
        assertEquals(bySource.get("crawl"), counters.get("kept_source.crawl").asLong());
        long bucketed = 0;
        for (var it = counters.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().startsWith("score.language_score.")) {
                bucketed += e.getValue().asLong();
            }
        }
        assertEquals(rows.size(), bucketed);
        String table = StatsTable.render(out);
        assertTrue(table.contains("kept documents by source: crawl " + bySource.get("crawl") + " web "
                + bySource.get("web")), table);
        assertTrue(table.contains("kept documents by language_score:"), table);
    }

    @Test
    void aCrashInTheTokensOrDocumentsPhaseThenARerunWritesTheSameDocuments() throws IOException {
        Corpus corpus = new Corpus(tmp.resolve("in"), 12, 4);
        DataRecipe recipe = withDocuments(KillTest.recipe(corpus.dir), List.of("jsonl", "parquet"));
        Path clean = tmp.resolve("clean");
        new DataPipeline(recipe, new ByteLevelEncoder(), null, null).run(clean);
        Map<String, String> want = DataPipelineTest.snapshot(clean);
        assertTrue(want.keySet().stream().filter(k -> k.startsWith("documents/")).count() == 10, want.keySet()
                .toString());
        for (String phase : List.of("tokens", "documents")) {
            Path out = tmp.resolve("crash-" + phase);
            DataPipeline.Checkpoint boom = (p, shard) -> {
                if (p.equals(phase) && shard == 1) {
                    throw new IOException("simulated crash");
                }
            };
            assertThrows(IOException.class, () -> new DataPipeline(recipe, new ByteLevelEncoder(), null, boom)
                    .run(out));
            new DataPipeline(recipe, new ByteLevelEncoder(), null, null).run(out);
            assertEquals(want, DataPipelineTest.snapshot(out), "after a crash in " + phase);
        }
    }

    @Test
    void scoresFallIntoTenthsOrWholeNumbersAndLabelsIntoNone() {
        assertEquals("0.0-0.1", DocumentOutputs.scoreBucket("0"));
        assertEquals("0.9-1.0", DocumentOutputs.scoreBucket("0.95"));
        assertEquals("0.9-1.0", DocumentOutputs.scoreBucket("1.0000"));
        assertEquals("0.6-0.7", DocumentOutputs.scoreBucket("0.6500"));
        assertEquals("3-4", DocumentOutputs.scoreBucket("3.5"));
        assertEquals("-2--1", DocumentOutputs.scoreBucket("-1.5"));
        assertEquals("412-413", DocumentOutputs.scoreBucket("412.7"));
        assertNull(DocumentOutputs.scoreBucket("en"));
        assertNull(DocumentOutputs.scoreBucket("http://example.com/1"));
        assertNull(DocumentOutputs.scoreBucket("NaN"));
        assertNull(DocumentOutputs.scoreBucket("2024-01-01"));
    }

    @Test
    void badDocumentFormatsAreRefusedByKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new OutputConfig("x", 10, 0, true, List.of("csv")));
        assertTrue(e.getMessage().startsWith("documents: unknown format 'csv'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new OutputConfig("x", 10, 0, true, List.of("jsonl", "jsonl.zst")));
        assertTrue(e.getMessage().startsWith("documents: choose one"), e.getMessage());
    }

    private static HydratorSupplier<Map<String, Object>, Map<String, Object>> rows() {
        return HydratorSupplier.constantly(new Hydrator<>() {
            public Map<String, Object> start() {
                return new TreeMap<>();
            }

            public Map<String, Object> add(Map<String, Object> row, String heading, Object value) {
                row.put(heading, value instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : value);
                return row;
            }

            public Map<String, Object> finish(Map<String, Object> row) {
                return row;
            }
        });
    }
}
