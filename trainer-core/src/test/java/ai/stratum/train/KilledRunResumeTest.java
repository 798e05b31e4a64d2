package ai.stratum.train;

import ai.stratum.fixtures.process.ChildJvm;
import ai.stratum.fixtures.tokens.SyntheticShards;
import ai.stratum.io.RunDirLock;
import ai.stratum.train.data.ShardSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exact resume across a real crash, for GPT-2 and for a Llama: a child JVM training the model is killed with SIGKILL after its step-4
 * checkpoint (while it sits at step 6); resumed in a new JVM, it logs the same loss, bit for bit, at every step
 * as a run that was never interrupted.
 */
class KilledRunResumeTest {

    @TempDir
    Path tmp;

    private String arch = "gpt2";

    private Process start(Path data, Path runDir, String mode, long stopStep) throws IOException {
        return ChildJvm.start(tmp.resolve(runDir.getFileName() + "-" + mode + ".log"), ResumeRunMain.class, "1g",
                data.toString(), runDir.toString(), mode, Long.toString(stopStep), arch);
    }

    private void finish(Process p, String what) throws Exception {
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), what + " did not finish");
        assertEquals(0, p.exitValue(), what + " failed: " + Files.readString(tmp.resolve(what + ".log")));
    }

    @Test
    void sigkilledRunResumesWithIdenticalLosses() throws Exception {
        killAndResume();
    }

    @Test
    void sigkilledLlamaPretrainResumesWithIdenticalLosses() throws Exception {
        arch = "llama";
        killAndResume();
    }

    private void killAndResume() throws Exception {
        Path data = tmp.resolve("data");
        SyntheticShards.writeDataset(data, 32, 20_000, 2_000, 4);
        Path straight = tmp.resolve("straight");
        Path killed = tmp.resolve("killed");

        Process victim = start(data, killed, "fresh", 6);
        Process reference = start(data, straight, "fresh", -1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(killed.resolve("stopped")) && victim.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(killed.resolve("stopped")), "the run never reached step 6: "
                + Files.readString(tmp.resolve("killed-fresh.log")));
        victim.destroyForcibly().waitFor();
        assertTrue(Files.isDirectory(killed.resolve("checkpoints/step-4")));
        assertEquals(5, TrainerTest.losses(killed).size(), "the killed run logged steps 1..5 (it stopped inside step 6)");
        List<Double> beforeKill = TrainerTest.losses(killed);

        finish(reference, "straight-fresh");
        finish(start(data, killed, "resume", -1), "killed-resume");

        List<Double> expected = TrainerTest.losses(straight);
        assertEquals(12, expected.size());
        assertEquals(expected, TrainerTest.losses(killed));
        assertEquals(expected.subList(0, 5), beforeKill);
        assertTrue(Files.readString(tmp.resolve("killed-resume.log")).contains("resuming from "
                + killed.resolve("checkpoints/step-4") + " at step 4"));
    }

    @Test
    void aSecondTrainerOnTheRunDirIsRefusedWhileTheFirstProcessLives() throws Exception {
        Path data = tmp.resolve("data");
        SyntheticShards.writeDataset(data, 32, 20_000, 2_000, 4);
        Path runDir = tmp.resolve("shared");
        Process first = start(data, runDir, "fresh", 2);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(runDir.resolve("stopped")) && first.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(runDir.resolve("stopped")), Files.readString(tmp.resolve("shared-fresh.log")));
        Trainer second = new Trainer(Trainer.Run.pretrain(ResumeRunMain.config(false), ShardSet.open(data), runDir, true),
                DecoderModel.factory(), line -> { }, m -> { });
        try {
            RunDirLock.HeldException e = assertThrows(RunDirLock.HeldException.class, second::run);
            assertTrue(e.getMessage().contains("in use by another process (pid " + first.pid() + " on "),
                    e.getMessage());
        } finally {
            first.destroyForcibly().waitFor();
        }
        assertEquals(12, second.run().steps(), "once the first process is gone, the run resumes");
    }
}
