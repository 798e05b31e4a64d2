package ai.stratum.data.run;

import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.recipe.ExtractConfig;
import ai.stratum.data.recipe.FiltersConfig;
import ai.stratum.data.recipe.InputConfig;
import ai.stratum.data.shard.ByteLevelEncoder;
import ai.stratum.data.shard.TextEncoder;
import ai.stratum.data.shard.TokenShardFormat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataPipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static List<InputConfig> inputs(Corpus c) {
        return List.of(Recipes.input("web", "jsonl", c.dir.resolve("jsonl") + "/*.jsonl*"),
                Recipes.input("crawl", "warc", c.dir.resolve("warc").toString()));
    }

    /** Decodes byte-level shards back into documents: each starts with the EOT token 256. */
    private static List<String> documents(Path out, String split) throws IOException {
        List<String> docs = new ArrayList<>();
        java.io.ByteArrayOutputStream cur = null;
        try (Stream<Path> files = Files.list(out)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("test_" + split + "_")).sorted()
                    .toList()) {
                for (int t : TokenShardFormat.read(f)) {
                    if (t == 256) {
                        if (cur != null) {
                            docs.add(cur.toString(StandardCharsets.UTF_8));
                        }
                        cur = new java.io.ByteArrayOutputStream();
                    } else {
                        cur.write(t);
                    }
                }
            }
        }
        if (cur != null) {
            docs.add(cur.toString(StandardCharsets.UTF_8));
        }
        return docs;
    }

    private static Map<String, JsonNode> rejects(Path out) throws IOException {
        Map<String, JsonNode> byId = new TreeMap<>();
        try (Stream<Path> files = Files.list(out.resolve("rejects"))) {
            for (Path f : files.sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
                    JsonNode n = JSON.readTree(line);
                    byId.put(n.get("id").asText(), n);
                }
            }
        }
        return byId;
    }

    @Test
    void everyDocumentEndsInTheShardsOrInRejects() throws IOException {
        Corpus corpus = new Corpus(tmp.resolve("in"), 1, 12);
        Path out = tmp.resolve("out");
        DataPipeline.Result r = new DataPipeline(Recipes.of(inputs(corpus), Map.of(), 5000, 0.0, 2),
                new ByteLevelEncoder(), null, null).run(out);

        List<String> expected = corpus.cleanTexts;
        List<String> got = documents(out, "train");
        assertEquals(new java.util.TreeSet<>(expected), new java.util.TreeSet<>(got));
        assertEquals(expected.size(), got.size());
        assertTrue(got.stream().anyMatch(t -> t.contains("email@example.com") && t.contains("0.0.0.0")));

        Map<String, JsonNode> rejects = rejects(out);
        for (Map.Entry<String, String> e : corpus.expectedRejects.entrySet()) {
            JsonNode rej = rejects.get(e.getKey());
            assertTrue(rej != null, "no reject for " + e.getKey() + " in " + rejects.keySet());
            if (!e.getValue().equals("*")) {
                assertEquals(e.getValue(), rej.get("reason").asText(), e.getKey());
            }
        }
        assertTrue(rejects.values().stream().anyMatch(n -> n.get("reason").asText().equals("not_html")));

        JsonNode stats = JSON.readTree(out.resolve("stats.json").toFile());
        assertTrue(stats.get("accounting").get("balanced").asBoolean(), stats.get("accounting").toString());
        assertEquals(r.inputRecords(), r.outputDocuments() + r.rejected());
        assertEquals(rejects.size(), r.rejected());
        assertEquals(corpus.cleanTexts.size() + corpus.expectedRejects.size() + 1, r.inputRecords());

        JsonNode manifest = JSON.readTree(out.resolve("manifest.json").toFile());
        assertEquals("uint16", manifest.get("dtype").asText());
        assertEquals("bytes-257", manifest.get("tokenizer_fingerprint").asText());
        long total = 0;
        for (JsonNode s : manifest.get("shards")) {
            Path f = out.resolve(s.get("file").asText());
            assertEquals(s.get("sha256").asText(), sha256(f));
            assertEquals(s.get("tokens").asLong(), TokenShardFormat.read(f).length);
            total += s.get("tokens").asLong();
        }
        assertTrue(manifest.get("shards").size() > 2, "several 5000-token shards");
        assertEquals(r.trainTokens(), total);
        assertEquals(total, manifest.get("splits").get("train").get("tokens").asLong());
    }

    @Test
    void outputDoesNotDependOnThreadCount() throws IOException {
        Corpus corpus = new Corpus(tmp.resolve("in"), 2, 8);
        DataPipeline.Result one = new DataPipeline(Recipes.of(inputs(corpus), Map.of(), 3000, 0.2, 1),
                new ByteLevelEncoder(), null, null).run(tmp.resolve("one"));
        DataPipeline.Result three = new DataPipeline(Recipes.of(inputs(corpus), Map.of(), 3000, 0.2, 3),
                new ByteLevelEncoder(), null, null).run(tmp.resolve("three"));
        assertEquals(one.shards(), three.shards());
        assertTrue(one.valTokens() > 0 && one.trainTokens() > 0);
    }

    @Test
    void theJsoupExtractorChoiceGivesTheSameRunOnTheseWarcPages() throws IOException {
        Corpus corpus = new Corpus(tmp.resolve("in"), 1, 6);
        DataRecipe streaming = Recipes.of(inputs(corpus), Map.of(), 3000, 0.2, 2);
        FiltersConfig f = streaming.filters();
        assertEquals("streaming", f.extract().extractor(), "the streaming extractor is the default");
        DataRecipe jsoup = new DataRecipe(streaming.inputs(), new FiltersConfig(new ExtractConfig("jsoup"),
                f.normalize(), f.language(), f.gopherRepetition(), f.gopherQuality(), f.c4(), f.fineweb(), f.quality()),
                streaming.dedup(), streaming.pii(), streaming.mixture(), streaming.tokenizer(), streaming.output(),
                streaming.seed(), streaming.threads());
        new DataPipeline(streaming, new ByteLevelEncoder(), null, null).run(tmp.resolve("streaming"));
        new DataPipeline(jsoup, new ByteLevelEncoder(), null, null).run(tmp.resolve("jsoup"));
        Map<String, String> a = snapshot(tmp.resolve("streaming"));
        assertEquals(a, snapshot(tmp.resolve("jsoup")));
        List<String> kept = new ArrayList<>(documents(tmp.resolve("streaming"), "train"));
        kept.addAll(documents(tmp.resolve("streaming"), "val"));
        for (String page : corpus.pageTexts) {
            assertTrue(kept.stream().anyMatch(d -> d.contains(page)), "WARC page extracted and kept: " + page);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ExtractConfig("dom"));
        assertTrue(e.getMessage().startsWith("extractor: "), e.getMessage());
    }

    private static String sha256(Path f) throws IOException {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(f)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Everything under a run directory except the work area: shard bytes, manifest, stats minus timings, rejects. */
    static Map<String, String> snapshot(Path out) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> files = Files.walk(out)) {
            for (Path f : files.filter(Files::isRegularFile).filter(p -> !out.relativize(p).startsWith("work"))
                    .toList()) {
                String rel = out.relativize(f).toString();
                m.put(rel, rel.equals("stats.json") ? timeless(Files.readString(f)) : sha256(f));
            }
        }
        return m;
    }

    /** stats.json without its timings, which differ from run to run. */
    private static String timeless(String stats) throws IOException {
        JsonNode root = JSON.readTree(stats);
        ((com.fasterxml.jackson.databind.node.ObjectNode) root).remove("this_run_seconds");
        for (JsonNode step : root.get("steps")) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) step).remove("seconds");
        }
        return root.toString();
    }

    @Test
    void aCrashAtAnyPointThenARerunGivesTheSameOutputAsACleanRun() throws IOException {
        Corpus corpus = new Corpus(tmp.resolve("in"), 3, 6);
        DataRecipe recipe = Recipes.of(inputs(corpus), Map.of("crawl", 2.0, "web", 0.7), 2000, 0.1, 2);
        Path clean = tmp.resolve("clean");
        new DataPipeline(recipe, new ByteLevelEncoder(), null, null).run(clean);
        Map<String, String> want = snapshot(clean);

        String[][] crashes = {{"filter", "1"}, {"dedup", "-1"}, {"tokens", "2"}, {"final", "-1"}};
        for (String[] crash : crashes) {
            Path out = tmp.resolve("crash-" + crash[0]);
            DataPipeline.Checkpoint boom = (phase, shard) -> {
                if (phase.equals(crash[0]) && shard == Integer.parseInt(crash[1])) {
                    throw new IOException("simulated crash after " + phase + " " + shard);
                }
            };
            IOException e = assertThrows(IOException.class,
                    () -> new DataPipeline(recipe, new ByteLevelEncoder(), null, boom).run(out));
            assertTrue(e.getMessage().startsWith("simulated crash"), e.getMessage());
            // what a kill -9 in the middle of a write leaves: a temp file beside its target
            Files.writeString(out.resolve("rejects").resolve(".filter-000000.jsonl.999.1.tmp"), "{\"half");
            Map<String, Integer> calls = new HashMap<>();
            new DataPipeline(recipe, new ByteLevelEncoder(), null,
                    (phase, shard) -> calls.merge(phase, 1, Integer::sum)).run(out);
            assertEquals(want, snapshot(out), "after a crash in " + crash[0]);
            if (crash[0].equals("tokens")) {
                assertEquals(null, calls.get("filter"), "finished filter shards are not redone");
            }
        }
    }

    @Test
    void mixingWeightsDownsampleAndRepeatDeterministically() throws IOException {
        Corpus corpus = new Corpus(tmp.resolve("in"), 4, 30);
        Path out = tmp.resolve("out");
        DataRecipe recipe = Recipes.of(inputs(corpus), Map.of("web", 0.5, "crawl", 3.0), 1_000_000, 0.0, 2);
        new DataPipeline(recipe, new ByteLevelEncoder(), null, null).run(out);
        List<String> docs = documents(out, "train");
        Map<String, Integer> counts = new HashMap<>();
        docs.forEach(d -> counts.merge(d, 1, Integer::sum));
        assertTrue(counts.keySet().containsAll(corpus.pageTexts));
        counts.forEach((text, n) -> assertEquals(corpus.pageTexts.contains(text) ? 3 : 1, n, text));
        long webKept = counts.keySet().stream().filter(t -> !corpus.pageTexts.contains(t)).count();
        long webClean = corpus.cleanTexts.size() - 4;
        assertTrue(webKept > 0.3 * webClean && webKept < 0.7 * webClean, webKept + " of " + webClean);
        Map<String, JsonNode> rejects = rejects(out);
        java.util.Set<String> webOut = new java.util.TreeSet<>(counts.keySet());
        webOut.removeAll(corpus.pageTexts);
        rejects.values().stream().filter(n -> n.get("reason").asText().equals("downsampled"))
                .forEach(n -> webOut.add(n.get("text").asText()));
        java.util.Set<String> webWant = new java.util.TreeSet<>(corpus.cleanTexts);
        webWant.removeAll(corpus.pageTexts);
        java.util.Set<String> extra = new java.util.TreeSet<>(webOut);
        extra.removeAll(webWant);
        assertEquals(java.util.Set.of(), extra);
        assertEquals(webClean, webOut.size());
        // repeats are spread: the second copy of a page comes after every first copy
        int lastFirst = -1;
        int firstSecond = Integer.MAX_VALUE;
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < docs.size(); i++) {
            int n = seen.merge(docs.get(i), 1, Integer::sum);
            if (n == 1) {
                lastFirst = i;
            } else if (n == 2) {
                firstSecond = Math.min(firstSecond, i);
            }
        }
        assertTrue(lastFirst < firstSecond);
        JsonNode mixture = JSON.readTree(out.resolve("manifest.json").toFile()).get("mixture");
        assertEquals(12L, mixture.get("crawl").get("documents_written").asLong());
        assertEquals(1.0, mixture.get("crawl").get("token_fraction").asDouble()
                + mixture.get("web").get("token_fraction").asDouble(), 1e-9);
    }

    @Test
    void largeVocabulariesGetUint32ShardsWithLlmcHeaders() throws IOException {
        Corpus corpus = new Corpus(tmp.resolve("in"), 5, 3);
        TextEncoder wide = new TextEncoder() {
            final ByteLevelEncoder bytes = new ByteLevelEncoder();

            public int[] encode(String text) {
                int[] ids = bytes.encode(text);
                for (int i = 0; i < ids.length; i++) {
                    ids[i] += 70_000;
                }
                return ids;
            }

            public int eotId() {
                return 100_000;
            }

            public int vocabSize() {
                return 100_001;
            }

            public String fingerprint() {
                return "wide";
            }
        };
        Path out = tmp.resolve("out");
        new DataPipeline(Recipes.of(inputs(corpus), Map.of(), 1_000_000, 0.0, 1), wide, null, null).run(out);
        byte[] raw = Files.readAllBytes(out.resolve("test_train_000000.bin"));
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(20240801, b.getInt(0));
        assertEquals(7, b.getInt(4));
        int count = b.getInt(8);
        assertEquals(1024 + 4L * count, raw.length);
        assertEquals(100_000, b.getInt(1024), "the EOT token comes before the first document");
        assertTrue(b.getInt(1028) >= 70_000);
        int[] back = TokenShardFormat.read(out.resolve("test_train_000000.bin"));
        assertArrayEquals(new int[] {100_000}, new int[] {back[0]});
    }

    @Test
    void theProjectTokenizerWritesTheSameTokensAsTheByteEncoderOnAByteVocabulary() throws IOException {
        Corpus corpus = new Corpus(tmp.resolve("in"), 7, 4);
        Path json = ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson.write(tmp.resolve("tokenizer.json"),
                List.of("<|endoftext|>"));
        var bpe = ai.stratum.data.shard.TokenizerEncoder.load(json);
        DataPipeline.Result viaBpe = new DataPipeline(Recipes.of(inputs(corpus), Map.of(), 3000, 0.0, 2), bpe, null,
                null).run(tmp.resolve("bpe"));
        DataPipeline.Result viaBytes = new DataPipeline(Recipes.of(inputs(corpus), Map.of(), 3000, 0.0, 2),
                new ByteLevelEncoder(), null, null).run(tmp.resolve("bytes"));
        assertEquals(viaBytes.shards(), viaBpe.shards());
        assertEquals(bpe.fingerprint(), JSON.readTree(tmp.resolve("bpe").resolve("manifest.json").toFile())
                .get("tokenizer_fingerprint").asText());
        // the shards' tokenizer travels with them (so pretraining checkpoints carry it), with its config beside it
        assertEquals(bpe.fingerprint(), ai.stratum.tokenizer.Tokenizer.load(tmp.resolve("bpe").resolve("tokenizer.json"))
                .fingerprint());
        assertArrayEquals(java.nio.file.Files.readAllBytes(json),
                java.nio.file.Files.readAllBytes(tmp.resolve("bpe").resolve("tokenizer.json")));
        assertFalse(java.nio.file.Files.exists(tmp.resolve("bytes").resolve("tokenizer.json")));
    }

    @Test
    void aTokenizerDirectoryTravelsWithItsConfigFiles() throws IOException {
        Corpus corpus = new Corpus(tmp.resolve("in"), 5, 2);
        Path dir = java.nio.file.Files.createDirectories(tmp.resolve("tok"));
        ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson.write(dir.resolve("tokenizer.json"),
                List.of("<|endoftext|>"));
        String config = "{\"eos_token\": \"<|endoftext|>\", \"chat_template\": \"{{ messages }}\"}";
        java.nio.file.Files.writeString(dir.resolve("tokenizer_config.json"), config);
        var enc = ai.stratum.data.shard.TokenizerEncoder.load(dir);
        new DataPipeline(Recipes.of(inputs(corpus), Map.of(), 3000, 0.0, 1), enc, null, null).run(tmp.resolve("o"));
        assertEquals(config, java.nio.file.Files.readString(tmp.resolve("o").resolve("tokenizer_config.json")));
        assertEquals(enc.fingerprint(), ai.stratum.tokenizer.Tokenizer.load(tmp.resolve("o").resolve("tokenizer.json"))
                .fingerprint());
    }

    @Test
    void aDifferentRecipeInTheSameDirectoryIsRefused() throws IOException {
        Corpus corpus = new Corpus(tmp.resolve("in"), 6, 2);
        Path out = tmp.resolve("out");
        new DataPipeline(Recipes.of(inputs(corpus), Map.of(), 1000, 0.0, 1), new ByteLevelEncoder(), null, null)
                .run(out);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DataPipeline(Recipes.of(inputs(corpus), Map.of(), 2000, 0.0, 1), new ByteLevelEncoder(),
                        null, null).run(out));
        assertTrue(e.getMessage().contains("different recipe"), e.getMessage());
    }
}
