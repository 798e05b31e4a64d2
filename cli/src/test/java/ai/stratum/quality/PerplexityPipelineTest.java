package ai.stratum.quality;

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
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code quality.type: perplexity} in a {@code data prepare} run, found through the ServiceLoader: thresholds from
 * {@code data perplexity-buckets} on the same documents, every kept document's score and CCNet bucket in the JSONL
 * output (the bucket the thresholds give its score), and {@code data stats} counting the buckets.
 */
class PerplexityPipelineTest {
    @TempDir
    Path dir;

    @Test
    void bucketsFromTheSampleLabelEveryKeptDocument() throws IOException {
        Path model = PerplexityScorerTest.checkpoint(dir.resolve("lm"), PerplexityScorerTest.gpt2(), 13);
        SyntheticWeb web = new SyntheticWeb(5);
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String text = i % 3 == 0 ? web.spam(3) : web.prose(i % 3 == 1 ? WordLists.EN : WordLists.DE, 1);
            lines.add(json.writeValueAsString(Map.of("id", "d" + i, "text", text)));
        }
        Path docs = Files.write(dir.resolve("docs.jsonl"), lines);

        AnnotateCommandTest.Result b = AnnotateCommandTest.run("data", "perplexity-buckets", "--model",
                model.toString(), "--in", docs.toString(), "--sample", "0", "--batch", "2");
        assertEquals(0, b.code(), b.err());
        Matcher m = Pattern.compile("--set 'filters.quality.options.buckets=\\[(-?[0-9.]+), (-?[0-9.]+)]'")
                .matcher(b.out());
        assertTrue(m.find(), b.out());
        double middle = Double.parseDouble(m.group(1));
        double head = Double.parseDouble(m.group(2));
        assertTrue(middle < head, b.out());

        Path recipe = Files.writeString(dir.resolve("recipe.yaml"), """
                inputs:
                  - name: docs
                    format: jsonl
                    paths: [%s]
                    text_field: text
                    id_field: id
                filters:
                  language: {enabled: false}
                  gopher_repetition: {enabled: false}
                  gopher_quality: {enabled: false}
                  c4: {enabled: false}
                  fineweb: {enabled: false}
                  quality:
                    enabled: true
                    type: perplexity
                    model: %s
                    mode: filter
                    threshold: -1000
                    options: {batch: 2, buckets: [%s, %s]}
                dedup: {exact: false, minhash: false}
                output:
                  name: ppl
                  shard_tokens: 100000
                  val_fraction: 0.0
                  documents: [jsonl]
                threads: 2
                """.formatted(docs, model, m.group(1), m.group(2)));
        Path out = dir.resolve("out");
        AnnotateCommandTest.Result r = AnnotateCommandTest.run("data", "prepare", "--recipe", recipe.toString(),
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Integer> counts = new TreeMap<>();
        int kept = 0;
        try (var files = Files.list(out.resolve("documents"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                for (String l : Files.readAllLines(f)) {
                    JsonNode meta = json.readTree(l).get("metadata");
                    double score = Double.parseDouble(meta.get("quality_score").asText());
                    String bucket = meta.get("quality_label").asText();
                    // the stored score is rounded to 4 decimals, as the printed thresholds are
                    String expected = score >= head ? "head" : score >= middle ? "middle" : "tail";
                    assertEquals(expected, bucket, l);
                    counts.merge(bucket, 1, Integer::sum);
                    kept++;
                }
            }
        }
        assertEquals(30, kept);
        assertEquals(3, counts.size(), counts.toString());
        assertTrue(counts.values().stream().allMatch(n -> n >= 8 && n <= 12), "about a third each: " + counts);
        AnnotateCommandTest.Result stats = AnnotateCommandTest.run("data", "stats", out.toString());
        assertEquals(0, stats.code(), stats.err());
        assertTrue(stats.out().contains("kept documents by quality_label: head " + counts.get("head") + " middle "
                + counts.get("middle") + " tail " + counts.get("tail")), stats.out());
    }
}
