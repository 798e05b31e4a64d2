package ai.stratum.cli.train;

import ai.stratum.cli.Main;
import ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson;
import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.train.DecoderModel;
import ai.stratum.train.sft.Message;
import ai.stratum.train.sft.SftExample;
import ai.stratum.train.sft.SftJsonl;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static ai.stratum.cli.train.TrainCommandsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code stratum generate --prompts}: JSONL requests in, SFT JSONL out (read back by finetune's reader), the same
 * answers whatever the batch, a killed run's partial line truncated and the answered ids skipped on rerun, and bad
 * input lines refused by file and line with exit code 2.
 */
class GeneratePromptsCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static Path model;
    static Path prompts;

    @BeforeAll
    static void aTinyModel() throws IOException {
        model = Files.createDirectories(tmp.resolve("teacher"));
        try (Decoder d = new Decoder(ModelConfig.gpt2(261, 64, 1, 2, 16, 0.0), 1, 4, DataType.FLOAT,
                Kernels.forCurrentBackend())) {
            d.initWeights(1);
            d.params().muli(20); // sharper than the init's near-uniform logits: sampled answers vary by seed
            new DecoderModel(d).saveWeights(model, 256);
        }
        ByteLevelTokenizerJson.write(model.resolve("tokenizer.json"), FinetuneCommandsTest.SPECIALS);
        prompts = Files.writeString(tmp.resolve("prompts.jsonl"), String.join("\n",
                "{\"id\": 1, \"prompt\": \"colour 1?\"}",
                "{\"id\": \"two\", \"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, "
                        + "{\"role\": \"user\", \"content\": \"sky?\"}], \"max_new_tokens\": 3}",
                "",
                "{\"id\": 3, \"prompt\": \"a longer prompt than the others, so that prefill is chunked\", "
                        + "\"temperature\": 0}",
                "{\"id\": 4, \"prompt\": \"x\", \"seed\": 99, \"top_k\": 5, \"top_p\": 0.9}",
                "{\"id\": 5, \"prompt\": \"colour 5?\", \"max_new_tokens\": 9}") + "\n");
    }

    private static TrainCommandsTest.Result generate(Path out, String... more) {
        String[] base = {"generate", "--model", model.toString(), "--prompts", prompts.toString(), "--out",
                out.toString(), "--chat", "--max-new-tokens", "7", "--temperature", "1.0", "--top-k", "0",
                "--top-p", "1.0", "--seed", "5", "--prefill-rows", "8"};
        return run(TrainCommandsTest.concat(base, more));
    }

    /** The output lines by id. */
    private static Map<String, String> lines(Path out) throws IOException {
        Map<String, String> byId = new TreeMap<>();
        for (String line : Files.readAllLines(out)) {
            byId.put(JSON.readTree(line).get("id").toString(), line);
        }
        return byId;
    }

    @Test
    void answersArePromptsPlusReplyInSftJsonlWithTheTeachersIdentity() throws IOException {
        Path out = tmp.resolve("answers.jsonl");
        TrainCommandsTest.Result r = generate(out, "--batch", "3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*generate: 5 requests \\(5 answered now, 0 already\\), prefill \\d+ tokens "
                + "at [0-9.]+ tok/s, decode \\d+ tokens at [0-9.]+ tok/s.*"), r.out());
        Map<String, String> byId = lines(out);
        assertEquals(List.of("\"two\"", "1", "3", "4", "5"), List.copyOf(byId.keySet()));
        JsonNode two = JSON.readTree(byId.get("\"two\""));
        assertEquals("system", two.at("/messages/0/role").asText());
        assertEquals("sky?", two.at("/messages/1/content").asText());
        assertEquals("assistant", two.at("/messages/2/role").asText());
        JsonNode g = two.get("generator");
        assertEquals("gpt2", g.get("family").asText());
        assertEquals(64, g.get("weights_sha256").asText().length());
        assertEquals(model.toString(), g.get("model").asText());
        assertEquals(3, g.at("/settings/max_new_tokens").asInt(), "the request's own max_new_tokens");
        assertTrue(g.get("completion_tokens").asInt() <= 3);
        assertEquals(1.0, g.at("/settings/temperature").asDouble());
        JsonNode four = JSON.readTree(byId.get("4")).get("generator").get("settings");
        assertEquals(99, four.get("seed").asLong());
        assertEquals(5, four.get("top_k").asInt());
        assertEquals(0.9, four.get("top_p").asDouble());
        assertEquals(0.0, JSON.readTree(byId.get("3")).at("/generator/settings/temperature").asDouble());
        JsonNode one = JSON.readTree(byId.get("1"));
        assertEquals("user", one.at("/messages/0/role").asText(), "a prompt becomes the user's turn");
        assertEquals("colour 1?", one.at("/messages/0/content").asText());

        // finetune's SFT reader takes the file as it is
        List<SftExample> examples = SftJsonl.read(out);
        assertEquals(5, examples.size());
        for (SftExample e : examples) {
            assertEquals(Message.Role.ASSISTANT, e.messages().get(e.messages().size() - 1).role());
        }

        // the same answers, seeds and settings with batch 1 and batch 5: a request's output is its own
        for (String batch : new String[] {"1", "5"}) {
            Path other = tmp.resolve("answers-" + batch + ".jsonl");
            TrainCommandsTest.Result o = generate(other, "--batch", batch);
            assertEquals(0, o.code(), o.err());
            assertEquals(byId, lines(other), "batch " + batch);
        }
        // a different default seed changes the sampled answers (the ones without their own seed)
        Path reseeded = tmp.resolve("answers-reseeded.jsonl");
        assertEquals(0, run("generate", "--model", model.toString(), "--prompts", prompts.toString(), "--out",
                reseeded.toString(), "--chat", "--max-new-tokens", "7", "--temperature", "1.0", "--top-k", "0",
                "--top-p", "1.0", "--seed", "6").code());
        assertTrue(!lines(reseeded).get("5").equals(byId.get("5")));
        assertEquals(JSON.readTree(lines(reseeded).get("4")).get("messages"),
                JSON.readTree(byId.get("4")).get("messages"), "a request's own seed wins");
    }

    @Test
    void aKilledRunsPartialLineIsTruncatedAndAnsweredIdsAreSkipped() throws IOException {
        Path full = tmp.resolve("full.jsonl");
        assertEquals(0, generate(full, "--batch", "2").code());
        List<String> all = Files.readAllLines(full);
        Path out = tmp.resolve("resumed.jsonl");
        String kept = all.get(0) + "\n" + all.get(1) + "\n";
        Files.writeString(out, kept + all.get(2).substring(0, all.get(2).length() / 2));
        TrainCommandsTest.Result r = generate(out, "--batch", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("removed a partial last line"), r.out());
        assertTrue(r.out().contains("5 requests (3 answered now, 2 already)"), r.out());
        String resumed = Files.readString(out);
        assertTrue(resumed.startsWith(kept), "answered lines are kept as they were");
        assertEquals(lines(full), lines(out), "the resumed file holds exactly the uninterrupted run's answers");
        TrainCommandsTest.Result again = generate(out, "--batch", "2");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("(0 answered now, 5 already)"), again.out());
        assertEquals(resumed, Files.readString(out), "nothing is appended twice");
    }

    /**
     * Generated data goes through {@code stratum data prepare} (here exact dedup drops a repeated answer) and the
     * kept documents are SFT data as they are: finetune's reader gets the same conversations back.
     */
    @Test
    void generatedDataGoesThroughTheDataPipelineBeforeFineTuning() throws IOException {
        Path out = tmp.resolve("to-clean.jsonl");
        assertEquals(0, generate(out, "--batch", "4").code());
        List<String> generated = Files.readAllLines(out);
        String copy = generated.get(0).replaceFirst("^\\{\"id\":[^,]+,", "{\"id\":\"copy\",");
        Files.writeString(out, copy + "\n", java.nio.file.StandardOpenOption.APPEND);
        Path recipe = Files.writeString(tmp.resolve("clean.yaml"), """
                inputs:
                  - name: generated
                    format: jsonl
                    paths: [%s]
                    text_field: messages
                    id_field: id
                filters:
                  language: {enabled: false}
                  gopher_repetition: {enabled: false}
                  gopher_quality: {enabled: false}
                  c4: {enabled: false}
                  fineweb: {enabled: false}
                dedup: {exact: true, minhash: false}
                pii: {enabled: false}
                output:
                  name: sft
                  shard_tokens: 4000
                  val_fraction: 0.0
                  rejects_with_text: false
                  documents: [jsonl]
                threads: 1
                """.formatted(out));
        Path cleaned = tmp.resolve("cleaned");
        TrainCommandsTest.Result r = run("data", "prepare", "--recipe", recipe.toString(), "--out",
                cleaned.toString());
        assertEquals(0, r.code(), r.err());
        Path kept = cleaned.resolve("documents").resolve("sft-000000.jsonl");
        List<SftExample> examples = SftJsonl.read(kept);
        assertEquals(generated.size(), examples.size(), "the copy is dropped by exact dedup");
        assertEquals(new java.util.HashSet<>(SftJsonl.read(out).subList(0, generated.size())),
                new java.util.HashSet<>(examples), "the kept documents hold the generated conversations");
    }

    @Test
    void badRequestsAreRefusedByFileAndLine() throws IOException {
        String good = "{\"id\": 1, \"prompt\": \"a\"}\n";
        Map<String, String> cases = Map.of(
                good + "{\"id\": 2, \"prompt\": \"b\"}\n{\"id\": 1, \"prompt\": \"c\"}\n", ":3: id 1 repeats line 1",
                good + "{\"prompt\": \"b\"}\n", ":2: 'id' must be a string or an integer",
                good + "{\"id\": 2, \"prompt\": \"b\"\n", ":2: not valid JSON",
                good + "{\"id\": 2, \"prompt\": \"b\", \"temprature\": 1}\n", ":2: unknown key 'temprature'",
                good + "{\"id\": 2, \"prompt\": \"b\", \"top_p\": 2}\n", ":2: top_p: must be in (0, 1]",
                good + "{\"id\": 2, \"messages\": [{\"role\": \"user\", \"content\": \"b\", \"name\": \"x\"}]}\n",
                ":2: message 1: key 'name' is not supported",
                good + "{\"id\": 2, \"prompt\": \"b\", \"messages\": []}\n", ":2: expected a string 'prompt' or a "
                        + "'messages' list, not both");
        int i = 0;
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path bad = Files.writeString(tmp.resolve("bad-" + i + ".jsonl"), c.getKey());
            Path out = tmp.resolve("bad-out-" + i++ + ".jsonl");
            TrainCommandsTest.Result r = run("generate", "--model", model.toString(), "--prompts", bad.toString(),
                    "--out", out.toString());
            assertEquals(Main.USER_ERROR, r.code(), r.err());
            assertTrue(r.err().contains(bad + c.getValue()), r.err());
        }
        Path chatOnly = Files.writeString(tmp.resolve("chat-only.jsonl"),
                "{\"id\": 1, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n");
        TrainCommandsTest.Result r = run("generate", "--model", model.toString(), "--prompts", chatOnly.toString(),
                "--out", tmp.resolve("x.jsonl").toString());
        assertEquals(Main.USER_ERROR, r.code());
        assertTrue(r.err().contains(chatOnly + ":1: 'messages' needs --chat"), r.err());
        r = run("generate", "--model", model.toString(), "--prompts", prompts.toString());
        assertEquals(Main.USER_ERROR, r.code());
        assertTrue(r.err().contains("--out"), r.err());
        Path notOurs = Files.writeString(tmp.resolve("not-ours.jsonl"), "{\"text\": \"x\"}\n",
                StandardCharsets.UTF_8);
        r = run("generate", "--model", model.toString(), "--prompts", prompts.toString(), "--out", notOurs.toString(),
                "--chat");
        assertEquals(Main.USER_ERROR, r.code());
        assertTrue(r.err().contains(notOurs + ":1: has no 'id'"), r.err());
    }
}
