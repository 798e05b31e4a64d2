package ai.stratum.cli.integration;

import ai.stratum.config.ConfigLoader;
import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.run.DataPipeline;
import ai.stratum.data.run.Progress;
import ai.stratum.data.shard.Encoders;
import ai.stratum.fixtures.world.SyntheticWorld;
import ai.stratum.train.data.ShardSet;
import ai.stratum.train.data.TokenShard;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** What the data pipeline writes is what the trainer reads: manifest, split, token counts, EOT placement. */
class PipelineToTrainerTest {

    @TempDir
    Path dir;

    @Test
    void trainerReadsThePipelinesShardsAndManifest() throws IOException {
        List<String> docs = SyntheticWorld.create(4, 12, 3).corpus(5, 60);
        Path input = dir.resolve("docs.jsonl");
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            lines.add(json.writeValueAsString(java.util.Map.of("id", "d" + i, "text", docs.get(i))));
        }
        Files.write(input, lines, StandardCharsets.UTF_8);
        Path recipe = dir.resolve("recipe.yaml");
        Files.writeString(recipe, """
                inputs:
                  - {name: world, format: jsonl, paths: [%s], text_field: text, id_field: id}
                filters:
                  language: {enabled: false}
                  gopher_repetition: {enabled: false}
                  gopher_quality: {enabled: false}
                  c4: {enabled: false}
                  fineweb: {enabled: false}
                dedup: {exact: false, minhash: false}
                tokenizer: {type: bytes}
                output: {name: world, val_fraction: 0.2}
                threads: 1
                """.formatted(input.toAbsolutePath()));
        DataRecipe r = ConfigLoader.load(DataRecipe.class, "data/default", recipe, List.of()).value();
        Path out = dir.resolve("shards");
        DataPipeline.Result result = new DataPipeline(r, Encoders.of(r.tokenizer()), new Progress(), null).run(out);

        ShardSet set = ShardSet.open(out);
        assertFalse(set.train().isEmpty());
        assertFalse(set.val().isEmpty());
        long train = 0;
        long eots = 0;
        long bytes = 0;
        for (Path p : set.train()) {
            try (TokenShard s = TokenShard.open(p)) {
                train += s.tokenCount();
                int[] t = new int[(int) s.tokenCount()];
                s.read(0, t, 0, t.length);
                assertEquals(256, t[0], "llm.c puts the end-of-text token before each document");
                for (int x : t) {
                    eots += x == 256 ? 1 : 0;
                }
            }
        }
        for (Path p : set.val()) {
            try (TokenShard s = TokenShard.open(p)) {
                bytes += s.tokenCount();
            }
        }
        assertEquals(result.trainTokens(), train);
        assertEquals(result.valTokens(), bytes);
        long totalChars = docs.stream().mapToLong(d -> d.getBytes(StandardCharsets.UTF_8).length + 1).sum();
        assertEquals(totalChars, train + bytes, "every document's bytes plus one end-of-text token, nothing lost");
        assertEquals(docs.size(), eots + set.val().stream().mapToLong(p -> countEot(p)).sum());
    }

    private static long countEot(Path shard) {
        try (TokenShard s = TokenShard.open(shard)) {
            int[] t = new int[(int) s.tokenCount()];
            s.read(0, t, 0, t.length);
            return java.util.Arrays.stream(t).filter(x -> x == 256).count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
