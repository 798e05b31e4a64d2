package ai.stratum.data.run;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.PiiConfig;
import ai.stratum.data.step.PiiRedactor;
import ai.stratum.data.step.StepResult;
import ai.stratum.fixtures.web.SyntheticWeb;
import ai.stratum.fixtures.web.WordLists;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.netpreserve.jwarc.HttpResponse;
import org.netpreserve.jwarc.MediaType;
import org.netpreserve.jwarc.WarcResponse;
import org.netpreserve.jwarc.WarcWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * A generated mixed corpus with known fates: clean English documents that must come out, and documents that
 * each filter, dedup or a reader must drop.
 */
final class Corpus {
    /** Texts as they must come out (PII already redacted). */
    final List<String> cleanTexts = new ArrayList<>();
    /** The clean texts that come from WARC pages (their title line goes: C4 drops lines without punctuation). */
    final List<String> pageTexts = new ArrayList<>();
    final Map<String, String> expectedRejects = new LinkedHashMap<>();
    final Path dir;
    private final SyntheticWeb web;
    private static final ObjectMapper JSON = new ObjectMapper();

    Corpus(Path dir, long seed, int cleanPerFile) throws IOException {
        this.dir = dir;
        this.web = new SyntheticWeb(seed);
        Files.createDirectories(dir.resolve("jsonl"));
        for (int f = 0; f < 3; f++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < cleanPerFile; i++) {
                String id = "clean-" + f + "-" + i;
                String text = web.prose(WordLists.EN, 5);
                cleanTexts.add(text);
                line(sb, id, text);
            }
            line(sb, "german-" + f, web.prose(WordLists.DE, 5));
            expectedRejects.put("german-" + f, "language_not_allowed");
            line(sb, "spam-" + f, web.spam(40));
            expectedRejects.put("spam-" + f, "*");
            line(sb, "short-" + f, web.sentence(WordLists.EN));
            expectedRejects.put("short-" + f, "*");
            String original = cleanTexts.get(cleanTexts.size() - cleanPerFile);
            line(sb, "exact-" + f, original.replace(" ", "  "));
            expectedRejects.put("exact-" + f, "exact_duplicate");
            // one word changed: Jaccard ~0.97, so 14x8 LSH misses it with probability ~1e-9 (at 1%, ~4e-4)
            line(sb, "near-" + f, web.nearDuplicate(original, 0.003, WordLists.EN));
            expectedRejects.put("near-" + f, "minhash_duplicate");
            sb.append("{\"id\": \"broken-").append(f).append("\", \"text\": \n");
            expectedRejects.put("jsonl-" + f + ".jsonl.gz:" + (cleanPerFile + 6), "bad_json");
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("jsonl")
                    .resolve("jsonl-" + f + ".jsonl.gz")))) {
                out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        String pii = web.prose(WordLists.EN, 4) + "\nPlease write to " + web.email() + " or reach the host "
                + web.ipv4() + " for more of the details.";
        cleanTexts.add(((StepResult.Keep) new PiiRedactor(PiiConfig.defaults())
                .apply(new Document("pii-0", pii, "web"), new StepStats("pii"))).doc().text());
        StringBuilder sb = new StringBuilder();
        line(sb, "pii-0", pii);
        Files.writeString(dir.resolve("jsonl").resolve("pii.jsonl"), sb.toString());
        Files.createDirectories(dir.resolve("warc"));
        try (WarcWriter w = new WarcWriter(dir.resolve("warc").resolve("crawl.warc.gz"))) {
            for (int i = 0; i < 4; i++) {
                String text = web.prose(WordLists.EN, 5);
                cleanTexts.add(text);
                pageTexts.add(text);
                byte[] html = web.htmlPage("Page " + i, text, 20).getBytes(StandardCharsets.UTF_8);
                w.write(new WarcResponse.Builder(URI.create("http://example.com/" + i))
                        .body(new HttpResponse.Builder(200, "OK").body(MediaType.parse("text/html"), html).build())
                        .build());
            }
            w.write(new WarcResponse.Builder(URI.create("http://example.com/img.png"))
                    .body(new HttpResponse.Builder(200, "OK").body(MediaType.parse("image/png"), new byte[] {1, 2})
                            .build())
                    .build());
        }
    }

    private static void line(StringBuilder sb, String id, String text) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("text", text);
        sb.append(JSON.writeValueAsString(m)).append('\n');
    }
}
