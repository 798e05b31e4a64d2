package ai.stratum.cli.train;

import ai.stratum.cli.Main;
import ai.stratum.fixtures.tokens.SyntheticShards;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static ai.stratum.cli.train.TrainCommandsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One writer per directory: while another process holds a run directory, pretrain, finetune and data prepare on it
 * exit 2 naming that process and write nothing; once it is killed (SIGKILL, no clean-up) the directory is free.
 */
class RunDirLockCommandsTest {

    @TempDir
    Path tmp;

    @Test
    void aSecondWriterExitsTwoNamingTheHolder() throws Exception {
        Path data = tmp.resolve("data");
        SyntheticShards.writeDataset(data, 257, 4_000, 1_000, 1);
        ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson.write(data.resolve("tokenizer.json"),
                List.of("<|endoftext|>"));
        Path runDir = tmp.resolve("run");
        Path sft = Files.write(tmp.resolve("train.jsonl"), List.of("{\"prompt\": \"a\", \"response\": \"b\"}"));
        Path recipe = Files.writeString(tmp.resolve("recipe.yaml"), """
                inputs:
                  - name: docs
                    format: jsonl
                    paths: [%s]
                    text_field: prompt
                    id_field: response
                output:
                  name: tiny
                """.formatted(sft));
        String[] tiny = {"--set", "model.vocab_size=257", "--set", "model.context_length=16", "--set",
                "model.n_layer=1", "--set", "model.n_head=2", "--set", "model.d_model=16", "--set", "train.max_steps=2",
                "--set", "train.micro_batch_size=2", "--set", "train.seq_len=16", "--set", "train.batch_size_tokens=32",
                "--set", "optim.warmup_steps=1", "--set", "eval.every=0", "--set", "checkpoint.every=0"};
        Process holder = ai.stratum.io.RunDirLockHolder.start(runDir);
        try {
            for (String[] args : List.of(
                    TrainCommandsTest.concat(TrainCommandsTest.concat(new String[]{"pretrain"}, tiny),
                            "--data", data.toString(), "--run-dir", runDir.toString()),
                    new String[]{"finetune", "--base", tmp.resolve("no-base").toString(), "--data", sft.toString(),
                            "--run-dir", runDir.toString()},
                    new String[]{"data", "prepare", "--recipe", recipe.toString(), "--out", runDir.toString()})) {
                TrainCommandsTest.Result r = run(args);
                assertEquals(Main.USER_ERROR, r.code(), args[0] + ": " + r.err());
                assertTrue(r.err().contains(runDir + " is in use by another process (pid " + holder.pid() + " on "),
                        r.err());
            }
            try (var files = Files.list(runDir)) {
                assertEquals(List.of(".stratum.lock"), files.map(p -> p.getFileName().toString()).toList());
            }
        } finally {
            holder.destroyForcibly();
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        TrainCommandsTest.Result r = run(TrainCommandsTest.concat(TrainCommandsTest.concat(new String[]{"pretrain"},
                tiny), "--data", data.toString(), "--run-dir", runDir.toString()));
        assertEquals(0, r.code(), r.err());
        assertFalse(r.err().contains("in use"), r.err());
    }
}
