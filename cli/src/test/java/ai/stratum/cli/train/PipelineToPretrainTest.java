package ai.stratum.cli.train;

import ai.stratum.cli.Main;
import ai.stratum.fixtures.world.SyntheticWorld;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer reads what the data pipeline writes: {@code stratum data prepare} then {@code stratum pretrain}. */
class PipelineToPretrainTest {

    @TempDir
    Path tmp;

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, String.join(" ", args) + "\n" + err);
        return new String[]{out.toString(), err.toString()};
    }

    @Test
    void pretrainsOnTheShardsAndManifestOfADataPrepareRun() throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder corpus = new StringBuilder();
        int id = 0;
        for (String text : SyntheticWorld.create(1, 20, 5).corpus(2, 300)) {
            corpus.append(json.writeValueAsString(Map.of("id", "d" + id++, "text", text))).append('\n');
        }
        Path jsonl = Files.writeString(tmp.resolve("corpus.jsonl"), corpus);
        Path recipe = Files.writeString(tmp.resolve("recipe.yaml"), """
                inputs:
                  - name: world
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
                dedup: {exact: false, minhash: false}
                output:
                  name: world
                  val_fraction: 0.1
                """.formatted(jsonl));
        Path data = tmp.resolve("data");
        run("data", "prepare", "--recipe", recipe.toString(), "--out", data.toString());

        Path runDir = tmp.resolve("runs/world");
        String[] r = run("pretrain", "--set", "model.vocab_size=257", "--set", "model.n_layer=1",
                "--set", "model.d_model=32", "--set", "train.max_steps=4", "--set", "train.micro_batch_size=2",
                "--set", "train.seq_len=32", "--set", "train.batch_size_tokens=64", "--set", "optim.warmup_steps=1",
                "--set", "eval.steps=1", "--data", data.toString(), "--run-dir", runDir.toString());
        assertTrue(r[0].startsWith("steps 4 | loss ") && r[0].contains("| val loss "), r[0]);
        // the byte-level data's end-of-text id (256) comes from manifest.json into the checkpoint's config
        assertTrue(Files.readString(runDir.resolve("latest/config.json")).contains("\"eos_token_id\" : 256"));
        // and the checkpoint carries a tokenizer that encodes as the byte-level shards were encoded
        assertArrayEquals(new int[] {'h', 'i', 0xC3, 0xA9},
                ai.stratum.tokenizer.Tokenizer.load(runDir.resolve("latest/tokenizer.json")).encodeOrdinary("hi\u00e9"));
    }
}
