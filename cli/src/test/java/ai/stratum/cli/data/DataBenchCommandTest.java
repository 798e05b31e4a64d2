package ai.stratum.cli.data;

import ai.stratum.fixtures.web.SyntheticWeb;
import ai.stratum.fixtures.web.WordLists;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.netpreserve.jwarc.HttpResponse;
import org.netpreserve.jwarc.MediaType;
import org.netpreserve.jwarc.WarcResponse;
import org.netpreserve.jwarc.WarcWriter;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code stratum bench data} on a small generated WARC: it runs and reports every line it promises. */
class DataBenchCommandTest {
    @TempDir
    Path dir;

    @Test
    void benchReportsReferenceEndToEndAndSteps() throws IOException {
        SyntheticWeb web = new SyntheticWeb(12);
        try (WarcWriter w = new WarcWriter(dir.resolve("web.warc.gz"))) {
            for (int i = 0; i < 20; i++) {
                byte[] html = web.htmlPage("Page " + i, web.prose(WordLists.EN, 6), 15)
                        .getBytes(StandardCharsets.UTF_8);
                w.write(new WarcResponse.Builder(URI.create("http://example.com/" + i))
                        .body(new HttpResponse.Builder(200, "OK").body(MediaType.parse("text/html"), html).build())
                        .build());
            }
        }
        DataCommandsTest.Result r = DataCommandsTest.run("bench", "data", "--input", dir.toString(), "--threads", "2");
        assertEquals(0, r.code(), r.err());
        for (String line : new String[] {"reference, reading alone:", "end to end, default recipe, cold",
                "kept 20 of 20", "extract", "language", "goal 35 MB/s end to end, judged on the cold run:"}) {
            assertTrue(r.out().contains(line), line + " in\n" + r.out());
        }
        assertTrue(!r.out().contains("warm run") && !r.out().contains("extractors on"), r.out());
        DataCommandsTest.Result warm = DataCommandsTest.run("bench", "data", "--input", dir.toString(), "--threads",
                "1", "--warm-runs", "1", "--extractors");
        assertEquals(0, warm.code(), warm.err());
        for (String line : new String[] {"cold (first run in this JVM)", "warm run 1 (same JVM",
                "extractors on 20 HTML pages: 20 identical, 0 differing;", "judged on the cold run", "best warm run"}) {
            assertTrue(warm.out().contains(line), line + " in\n" + warm.out());
        }
        DataCommandsTest.Result none = DataCommandsTest.run("bench", "data", "--input", dir.resolve("none").toString());
        assertEquals(2, none.code());
        assertTrue(none.err().contains("fetch-web-corpus.sh"), none.err());
        // the CLI does not carry Spark: without the data-spark module the spark comparison is refused at once
        DataCommandsTest.Result spark = DataCommandsTest.run("bench", "data", "--input", dir.toString(),
                "--executor", "spark");
        assertEquals(2, spark.code());
        assertTrue(spark.err().contains("data-spark") && !spark.out().contains("cold"), spark.err());
    }
}
