package ai.stratum.cli.train;

import ai.stratum.cli.Main;
import ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson;
import ai.stratum.hf.HfCheckpoint;
import ai.stratum.hf.Safetensors;
import ai.stratum.model.Decoder;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.ModelConfig;
import ai.stratum.train.DecoderModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static ai.stratum.cli.train.TrainCommandsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code stratum export}: bfloat16, shards and tokenizer from a checkpoint; bad options exit 2 naming them. */
class ExportCommandTest {

    @TempDir
    Path tmp;

    @Test
    void exportsBf16ShardsWithConfigAndTokenizer() throws IOException {
        Path ckpt = Files.createDirectories(tmp.resolve("ckpt"));
        try (Decoder gpt = new Decoder(ModelConfig.gpt2(257, 16, 2, 2, 16, 0.0), 1, 4, DataType.FLOAT,
                Kernels.forCurrentBackend())) {
            gpt.initWeights(1);
            new DecoderModel(gpt).saveWeights(ckpt, 256);
        }
        ByteLevelTokenizerJson.write(ckpt.resolve("tokenizer.json"), List.of("<|endoftext|>"));
        Path out = tmp.resolve("hf");
        TrainCommandsTest.Result r = run("export", "--checkpoint", ckpt.toString(), "--out", out.toString(),
                "--dtype", "bf16", "--max-shard-size", "4KiB");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("as gpt2 (bfloat16)") && r.out().contains("[tokenizer.json]"), r.out());
        JsonNode c = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("bfloat16", c.get("torch_dtype").asText());
        JsonNode index = new ObjectMapper().readTree(out.resolve(HfCheckpoint.INDEX).toFile());
        assertTrue(index.get("weight_map").has("h.1.attn.c_attn.weight"));
        for (Path shard : HfCheckpoint.open(out).files()) {
            Safetensors.Header h = Safetensors.readHeader(shard);
            assertTrue(h.tensors().values().stream().allMatch(e -> e.dtype() == Safetensors.Dtype.BF16));
            long data = h.tensors().values().stream().mapToLong(e -> e.end() - e.begin()).sum();
            assertTrue(data <= 4096 || h.tensors().size() == 1, shard + ": " + data + " bytes");
        }
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));

        TrainCommandsTest.Result bad = run("export", "--checkpoint", ckpt.toString(), "--out", out.toString(),
                "--dtype", "int8");
        assertEquals(Main.USER_ERROR, bad.code());
        assertTrue(bad.err().contains("--dtype"), bad.err());
        TrainCommandsTest.Result size = run("export", "--checkpoint", ckpt.toString(), "--out", out.toString(),
                "--max-shard-size", "lots");
        assertEquals(Main.USER_ERROR, size.code());
        assertTrue(size.err().contains("--max-shard-size"), size.err());
    }
}
