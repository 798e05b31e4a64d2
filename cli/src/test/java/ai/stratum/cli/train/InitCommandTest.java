package ai.stratum.cli.train;

import ai.stratum.cli.Main;
import ai.stratum.hf.HfCheckpoint;
import ai.stratum.hf.HfConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static ai.stratum.cli.train.TrainCommandsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code stratum init}: a preset's random model as a sharded BF16 directory that generate loads; bad input exits 2. */
class InitCommandTest {

    @TempDir
    Path tmp;

    @Test
    void writesAShardedBf16ModelThatGenerateLoads() throws IOException {
        Path out = tmp.resolve("base");
        // Llama 3.2's context window: generate sizes its buffers for the sequence it makes, not for 131072 positions
        TrainCommandsTest.Result r = run("init", "--preset", "llama-tiny-cpu", "--set", "model.n_layer=2",
                "--set", "model.context_length=131072", "--out", out.toString(), "--dtype", "bf16", "--seed", "3", "--max-shard-size", "200KB");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("random llama model") && r.out().contains("seed 3")
                && r.out().contains(HfCheckpoint.INDEX), r.out());
        JsonNode c = new ObjectMapper().readTree(out.resolve(HfConfig.FILE).toFile());
        assertEquals("bfloat16", c.get("torch_dtype").asText());
        assertEquals(2, c.get("num_hidden_layers").asInt());
        assertEquals(131072, c.get("max_position_embeddings").asInt());
        assertTrue(HfCheckpoint.open(out).files().size() > 1, "sharded");
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));

        TrainCommandsTest.Result g = run("generate", "--checkpoint", out.toString(), "--prompt", "ab",
                "--max-new-tokens", "3", "--temperature", "0");
        assertEquals(0, g.code(), g.err());
        assertTrue(g.out().startsWith("ab"), g.out());
        TrainCommandsTest.Result negative = run("generate", "--checkpoint", out.toString(), "--prompt", "ab",
                "--max-new-tokens", "-1");
        assertEquals(Main.USER_ERROR, negative.code());
        assertTrue(negative.err().contains("--max-new-tokens"), negative.err());

        TrainCommandsTest.Result again = run("init", "--preset", "llama-tiny-cpu", "--out", out.toString());
        assertEquals(Main.USER_ERROR, again.code());
        assertTrue(again.err().contains("--overwrite"), again.err());
        TrainCommandsTest.Result family = run("init", "--preset", "llama-tiny-cpu", "--family", "bert", "--out",
                tmp.resolve("f").toString());
        assertEquals(Main.USER_ERROR, family.code());
        assertTrue(family.err().contains("model_type") && family.err().contains("bert"), family.err());
        TrainCommandsTest.Result gpt2 = run("init", "--preset", "llama-tiny-cpu", "--family", "gpt2", "--out",
                tmp.resolve("g").toString());
        assertEquals(Main.USER_ERROR, gpt2.code());
        assertTrue(gpt2.err().contains("gpt2"), gpt2.err());
        TrainCommandsTest.Result noOut = run("init", "--preset", "llama-tiny-cpu");
        assertEquals(Main.USER_ERROR, noOut.code());
        assertTrue(noOut.err().contains("--out"), noOut.err());
    }
}
