package ai.stratum.train.metrics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsLogTest {

    @TempDir
    Path run;

    @Test
    void aBadByteIsReportedWithFileAndLineAndSkippedOnResume() throws IOException {
        Path file = run.resolve(MetricsLog.FILE);
        byte[] good1 = "{\"step\":1,\"loss\":2.5}\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = {'{', '"', 's', 't', 'e', 'p', '"', ':', '2', (byte) 0xFF, '}', '\n'};
        byte[] good3 = "{\"step\":3,\"loss\":2.1}\n".getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        all.writeBytes(good1);
        all.writeBytes(bad);
        all.writeBytes(good3);
        Files.write(file, all.toByteArray());
        IOException e = assertThrows(IOException.class, () -> MetricsLog.read(run));
        assertEquals(file + ":2: not valid UTF-8 (a damaged line, from byte " + good1.length + "); delete that line "
                + "or restore the file", e.getMessage());
        MetricsLog.open(run, 3).close();
        assertEquals(2, MetricsLog.read(run).size(), "the resumed log keeps the readable lines");
        assertTrue(Files.readString(file).contains("\"step\":3"));
    }
}
