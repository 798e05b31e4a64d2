package ai.stratum.data.run;

import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.shard.ByteLevelEncoder;
import ai.stratum.fixtures.process.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real {@code kill -9} of a child JVM in the middle of a run, then a rerun: same output as a clean run. */
class KillTest {
    @TempDir
    Path tmp;

    static DataRecipe recipe(Path corpus) {
        return Recipes.of(List.of(Recipes.input("web", "jsonl", corpus.resolve("jsonl") + "/*.jsonl*"),
                Recipes.input("crawl", "warc", corpus.resolve("warc").toString())),
                Map.of("crawl", 2.0), 2000, 0.1, 2);
    }

    @Test
    void killNineMidRunThenRerunEqualsACleanRun() throws Exception {
        Path in = tmp.resolve("in");
        new Corpus(in, 3, 6);
        Path clean = tmp.resolve("clean");
        new DataPipeline(recipe(in), new ByteLevelEncoder(), null, null).run(clean);

        Path out = tmp.resolve("killed");
        Process child = ChildJvm.start(tmp.resolve("child.log"), KillMain.class, null, in.toString(), out.toString(),
                "400");
        Path marker = out.resolve("work").resolve("filter").resolve("000001.done");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(marker) && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(marker), "the child never finished a shard: " + Files.readString(tmp.resolve("child.log")));
        assertTrue(child.isAlive(), "the child finished before it could be killed");
        child.destroyForcibly().waitFor();
        assertFalse(Files.exists(out.resolve("manifest.json")));

        new DataPipeline(recipe(in), new ByteLevelEncoder(), null, null).run(out);
        Map<String, String> want = DataPipelineTest.snapshot(clean);
        Map<String, String> got = DataPipelineTest.snapshot(out);
        Set<String> differ = new TreeSet<>(want.keySet());
        differ.addAll(got.keySet());
        differ.removeIf(k -> Objects.equals(want.get(k), got.get(k)));
        assertEquals(Set.of(), differ, "files that differ from a clean run");
    }
}
