package ai.stratum.cli.data;

import ai.stratum.data.quality.LinearClassifier;
import ai.stratum.fixtures.web.SyntheticWeb;
import ai.stratum.fixtures.web.WordLists;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code stratum data classifier train} on generated labelled JSONL: trains, reports, writes; bad input exits 2. */
class ClassifierTrainCommandTest {
    @TempDir
    Path dir;

    @Test
    void trainsReportsAndWritesAModel() throws IOException {
        SyntheticWeb web = new SyntheticWeb(21);
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            lines.add(json.writeValueAsString(i % 2 == 0 ? Map.of("text", web.prose(WordLists.EN, 2), "label", "hq")
                    : Map.of("text", web.spam(6), "label", "web")));
        }
        Path data = dir.resolve("train.jsonl");
        Files.write(data, lines);
        Path model = dir.resolve("q.sqc");
        DataCommandsTest.Result r = DataCommandsTest.run("data", "classifier", "train", "--input", data.toString(),
                "--out", model.toString(), "--positive", "hq", "--bits", "16");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("labels [hq, web], score = P(hq)"), r.out());
        assertTrue(r.out().matches("(?s).*validation (0\\.9[5-9]|1\\.0)\\d* .*"), r.out());
        LinearClassifier m = LinearClassifier.load(model);
        assertTrue(m.score(web.prose(WordLists.EN, 2)) > 0.5);
        assertTrue(m.score(web.spam(6)) < 0.5);
        assertFalse(Files.list(dir).anyMatch(p -> p.toString().endsWith(".tmp")), "written atomically");

        Path bad = dir.resolve("bad.jsonl");
        Files.write(bad, List.of(lines.get(0), "{\"text\": \"no label here\"}"));
        DataCommandsTest.Result e = DataCommandsTest.run("data", "classifier", "train", "--input", bad.toString(),
                "--out", dir.resolve("x.sqc").toString());
        assertEquals(2, e.code());
        assertTrue(e.err().contains("bad.jsonl:2: no string or number field 'label'"), e.err());
        DataCommandsTest.Result one = DataCommandsTest.run("data", "classifier", "train", "--input",
                dir.resolve("bad.jsonl").toString().replace("bad", "none"), "--out", dir.resolve("x.sqc").toString());
        assertEquals(2, one.code());
        assertTrue(one.err().contains("no such file"), one.err());
        assertFalse(Files.exists(dir.resolve("x.sqc")));
    }
}
