package ai.stratum.quality;

import ai.stratum.cli.Main;
import ai.stratum.data.quality.LinearClassifier;
import ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson;
import ai.stratum.fixtures.web.SyntheticWeb;
import ai.stratum.fixtures.web.WordLists;
import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.train.DecoderModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code stratum data annotate} on a GPT-2 whose output is set by hand: with the final LayerNorm's weight 0 its
 * output is its bias, here the unit vector e0, so every position's logits are column 0 of the (tied) embedding,
 * where the digits' rows hold log p(d). The expected score is then sum d p(d), known exactly. Also resume after a
 * crash, a bad template, and the whole FineWeb-Edu path: annotate, train the classifier on the labels, score with it.
 */
class AnnotateCommandTest {
    static final double[] P = {0.05, 0.10, 0.15, 0.20, 0.30, 0.20}; // expected 0.1 + 0.3 + 0.6 + 1.2 + 1.0 = 3.2, argmax 4

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

    /** A byte-level GPT-2 (context 64) whose next-token distribution over the digits is {@code p}, everywhere. */
    static Path handSet(Path dir, double[] p) throws IOException {
        Files.createDirectories(dir);
        try (Decoder d = new Decoder(ModelConfig.gpt2(257, 64, 1, 2, 16, 0.0), 1, 4, DataType.FLOAT,
                Kernels.forCurrentBackend())) {
            d.initWeights(11);
            d.param("norm.weight").assign(0.0);
            d.param("norm.bias").assign(0.0);
            d.param("norm.bias").putScalar(0, 1.0);
            for (int digit = 0; digit < p.length; digit++) {
                d.param("tok_embeddings.weight").putScalar(new long[] {'0' + digit, 0}, Math.log(p[digit]));
            }
            new DecoderModel(d).saveWeights(dir, 256);
        }
        ByteLevelTokenizerJson.write(dir.resolve("tokenizer.json"), List.of("<|endoftext|>"));
        return dir;
    }

    Path docs(String name, int n, boolean prose) throws IOException {
        SyntheticWeb web = new SyntheticWeb(prose ? 3 : 4);
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add(json.writeValueAsString(Map.of("id", name + "-" + i, "text",
                    prose ? web.prose(WordLists.EN, 1) : web.spam(4))));
        }
        return Files.write(dir.resolve(name + ".jsonl"), lines);
    }

    Path template() throws IOException {
        return Files.writeString(dir.resolve("t.txt"), "Page:\n{text}\nScore (0-5):\n");
    }

    static List<JsonNode> lines(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) {
            out.add(json.readTree(l));
        }
        return out;
    }

    @Test
    void expectedScoreOfTheDigitDistributionAndResume() throws IOException {
        Path model = handSet(dir.resolve("m"), P);
        Path in = docs("edu", 5, true);
        Path out = dir.resolve("labelled.jsonl");
        Result first = run("data", "annotate", "--model", model.toString(), "--prompt-template", template().toString(),
                "--in", in.toString(), "--out", out.toString(), "--sample", "3", "--seed", "2");
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("annotated 3 documents"), first.out());
        List<JsonNode> three = lines(out);
        assertEquals(3, three.size());
        for (JsonNode n : three) {
            assertEquals(3.2, n.get("score").asDouble(), 1e-5, n.toString());
            assertEquals(3, n.get("label").asInt(), "3.2 rounds to 3");
            assertEquals(4, n.get("argmax").asInt());
            assertTrue(n.get("text").asText().length() > 50);
        }
        // a crash mid-line: the partial line is cut off, done ids skipped, the rest appended
        Files.writeString(out, Files.readString(out) + "{\"id\": \"edu-0\", \"te");
        Result resumed = run("data", "annotate", "--model", model.toString(), "--prompt-template",
                template().toString(), "--in", in.toString(), "--out", out.toString());
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("annotated 2 documents") && resumed.out().contains("3 already there"),
                resumed.out());
        List<JsonNode> all = lines(out);
        Set<String> ids = new HashSet<>();
        all.forEach(n -> ids.add(n.get("id").asText()));
        assertEquals(Set.of("edu-0", "edu-1", "edu-2", "edu-3", "edu-4"), ids);
        assertEquals(5, all.size());

        Result otherLabels = run("data", "annotate", "--model", model.toString(), "--prompt-template",
                template().toString(), "--in", in.toString(), "--out", out.toString(), "--threshold", "3");
        assertEquals(2, otherLabels.code(), "labels made another way would be mixed in");
        assertTrue(otherLabels.err().contains("labelled.jsonl was annotated with labels rounded")
                && otherLabels.err().contains("labelled.jsonl.annotate.json"), otherLabels.err());

        Path binary = dir.resolve("binary.jsonl");
        Result thr = run("data", "annotate", "--model", model.toString(), "--prompt-template", template().toString(),
                "--in", in.toString(), "--out", binary.toString(), "--threshold", "3.25");
        assertEquals(0, thr.code(), thr.err());
        assertTrue(lines(binary).stream().allMatch(n -> n.get("label").asInt() == 0), "3.2 < 3.25: label 0");
    }

    @Test
    void badTemplatesAreRefusedNamingTheFile() throws IOException {
        Path model = handSet(dir.resolve("m"), P);
        Path in = docs("edu", 2, true);
        Path noPlaceholder = Files.writeString(dir.resolve("no-placeholder.txt"), "Rate this page:\n{page}\nScore:");
        Result r = run("data", "annotate", "--model", model.toString(), "--prompt-template", noPlaceholder.toString(),
                "--in", in.toString(), "--out", dir.resolve("o.jsonl").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no-placeholder.txt") && r.err().contains("no {text} placeholder"), r.err());
        Path twice = Files.writeString(dir.resolve("twice.txt"), "{text} and {text}\nScore:");
        Result t = run("data", "annotate", "--model", model.toString(), "--prompt-template", twice.toString(),
                "--in", in.toString(), "--out", dir.resolve("o.jsonl").toString());
        assertEquals(2, t.code());
        assertTrue(t.err().contains("twice.txt") && t.err().contains("more than once"), t.err());
        Path tooLong = Files.writeString(dir.resolve("long.txt"), "x".repeat(80) + "{text}\nScore:");
        Result l = run("data", "annotate", "--model", model.toString(), "--prompt-template", tooLong.toString(),
                "--in", in.toString(), "--out", dir.resolve("o.jsonl").toString());
        assertEquals(2, l.code());
        assertTrue(l.err().contains("long.txt") && l.err().contains("window is 64"), l.err());
        assertTrue(!Files.exists(dir.resolve("o.jsonl")) || Files.size(dir.resolve("o.jsonl")) == 0);
    }

    @Test
    void bundledTemplateEndsWhereTheDigitGoes() {
        PromptTemplate t = PromptTemplate.parse("bundled", new String(readBundled()));
        assertTrue(t.before().contains("additive") && t.after().endsWith(": "), t.after());
    }

    private static byte[] readBundled() {
        try (var s = AnnotateCommandTest.class.getClassLoader().getResourceAsStream(
                "configs/data/edu-annotation-prompt.txt")) {
            return s.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new AssertionError("the bundled template is not on the class path", e);
        }
    }

    /**
     * FineWeb-Edu's path: annotate (prose pages by a model that grades 3.2, spam by one that grades 0.68), train
     * the classifier on the 0-5 labels (numeric: its score is the expected label), and the classifier then ranks
     * unseen prose above unseen spam.
     */
    @Test
    void annotateThenTrainTheClassifierOnTheGrades() throws IOException {
        Path high = handSet(dir.resolve("high"), P);
        Path low = handSet(dir.resolve("low"), new double[] {0.5, 0.4, 0.05, 0.03, 0.01, 0.01});
        Path proseLabels = dir.resolve("prose-labelled.jsonl");
        Path spamLabels = dir.resolve("spam-labelled.jsonl");
        Path prose = docs("prose", 60, true);
        Path spam = docs("spam", 60, false);
        assertEquals(0, run("data", "annotate", "--model", high.toString(), "--prompt-template",
                template().toString(), "--in", prose.toString(), "--out", proseLabels.toString()).code());
        assertEquals(0, run("data", "annotate", "--model", low.toString(), "--prompt-template",
                template().toString(), "--in", spam.toString(), "--out", spamLabels.toString()).code());
        List<JsonNode> all = new ArrayList<>(lines(proseLabels));
        all.addAll(lines(spamLabels));
        assertEquals(120, all.size());
        assertEquals(Set.of(3, 1), Set.copyOf(all.stream().map(n -> n.get("label").asInt()).toList()));
        Path model = dir.resolve("edu.sqc");
        Result train = run("data", "classifier", "train", "--input", proseLabels + "," + spamLabels, "--out",
                model.toString(),
                "--bits", "14");
        assertEquals(0, train.code(), train.err());
        assertTrue(train.out().contains("labels [1, 3], score = expected label value"), train.out());
        LinearClassifier c = LinearClassifier.load(model);
        SyntheticWeb unseen = new SyntheticWeb(99);
        double proseScore = c.score(unseen.prose(WordLists.EN, 1));
        double spamScore = c.score(unseen.spam(4));
        assertTrue(proseScore > 2 && spamScore < 2 && proseScore <= 3 && spamScore >= 1,
                proseScore + " vs " + spamScore);
    }
}
