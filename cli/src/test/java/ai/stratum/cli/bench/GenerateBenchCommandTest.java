package ai.stratum.cli.bench;

import ai.stratum.cli.Main;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerateBenchCommandTest {

    private static int run(StringWriter out, StringWriter err, String... args) {
        return Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void reportsEachBatchAgainstTheFirstAndWhetherTheAnswersStayedEqual() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = run(out, err, "bench", "generate", "--vocab", "64", "--d-model", "16", "--layers", "1",
                "--heads", "2", "--context", "32", "--requests", "5", "--prompt-tokens", "6", "--new-tokens", "5",
                "--batches", "1,2,4", "--rounds", "1", "--temperature", "0.9", "--top-k", "8");
        assertEquals(0, code, err.toString());
        String report = out.toString();
        assertTrue(report.matches("(?s).*decode tokens/s \\(best of 1\\): batch 1 [0-9.]+, batch 2 [0-9.]+ "
                + "\\([0-9.]+x\\), batch 4 [0-9.]+ \\([0-9.]+x\\)\n.*"), report);
        assertTrue(report.contains("answers equal to the first run's: all"), report);
        assertTrue(report.contains("5 requests of 6 prompt + 5 new tokens, temperature 0.9 top-k 8"), report);

        StringWriter badErr = new StringWriter();
        assertEquals(Main.USER_ERROR, run(new StringWriter(), badErr, "bench", "generate", "--context", "32",
                "--prompt-tokens", "30", "--new-tokens", "5", "--vocab", "64", "--d-model", "16", "--heads", "2",
                "--layers", "1"));
        assertTrue(badErr.toString().contains("must fit the context (32)"), badErr.toString());
    }
}
