package ai.stratum.cli.quickstart;

import ai.stratum.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The main job, shrunk: every stage runs, in order, and leaves its outputs; a second run refuses to clobber. */
class QuickstartTest {

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void everyStageRunsAndLeavesItsOutputs() throws IOException {
        Path out = dir.resolve("qs");
        Run r = run("quickstart", "--out", out.toString(), "--creatures", "4", "--documents", "60",
                "--instructions", "40", "--vocab-size", "320", "--pretrain-steps", "3", "--finetune-steps", "2");
        assertEquals(0, r.code(), r.err() + r.out());
        for (int stage = 1; stage <= Quickstart.STAGES; stage++) {
            assertTrue(r.out().contains("== [" + stage + "/" + Quickstart.STAGES + "]"), "stage " + stage + ":\n" + r.out());
        }
        for (String command : new String[] {"$ stratum data prepare", "$ stratum tokenizer train",
            "$ stratum pretrain --preset tiny-cpu", "$ stratum finetune --preset finetune-lora"}) {
            assertTrue(r.out().contains(command), command + " was printed before it ran");
        }
        assertTrue(r.out().contains("input records 60") || r.out().contains("input records 72"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("clean/stats.json")));
        assertTrue(Files.size(out.resolve("clean/text.txt")) > 1000);
        assertTrue(Files.isRegularFile(out.resolve("tokenizer/tokenizer.json")));
        assertTrue(Files.isRegularFile(out.resolve("shards/manifest.json")));
        assertTrue(Files.isRegularFile(out.resolve("runs/pretrain/latest/model.safetensors")));
        assertTrue(Files.isRegularFile(out.resolve("runs/lora/latest/adapter_model.safetensors")));
        Matcher m = Pattern.compile("right fact: (\\d+)/(\\d+) before fine-tuning, (\\d+)/(\\d+) after").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertEquals(m.group(2), m.group(4));
        assertTrue(Integer.parseInt(m.group(2)) >= 3, "a fifth of 16 (creature, question) pairs is held out");

        Run again = run("quickstart", "--out", out.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("already exists") && again.err().contains("--overwrite"), again.err());
    }
}
