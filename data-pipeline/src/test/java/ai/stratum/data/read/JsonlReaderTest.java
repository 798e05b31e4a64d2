package ai.stratum.data.read;

import ai.stratum.data.StepStats;
import com.github.luben.zstd.ZstdOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonlReaderTest {
    @TempDir
    Path dir;

    private static final String GOOD = """
            {"id": "a", "text": "first doc", "url": "http://x/a"}
            {"id": 7, "text": "second doc"}
            {"text": "third doc"}
            """;

    private Collected read(Path file, String field) throws IOException {
        Collected c = new Collected();
        new JsonlReader(field, "id").read(file, "web", c, new StepStats("read_jsonl"));
        return c;
    }

    @Test
    void readsPlainGzipAndZstdAlike() throws IOException {
        byte[] bytes = GOOD.getBytes(StandardCharsets.UTF_8);
        Path plain = Files.write(dir.resolve("a.jsonl"), bytes);
        Path gz = dir.resolve("a.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(bytes);
        }
        Path zst = dir.resolve("a.jsonl.zst");
        try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(zst))) {
            out.write(bytes);
        }
        for (Path p : List.of(plain, gz, zst)) {
            Collected c = read(p, "text");
            assertEquals(List.of("first doc", "second doc", "third doc"), c.texts(), p.toString());
            assertEquals(List.of("a", "7", p.getFileName() + ":3"), c.docs.stream().map(d -> d.id()).toList());
            assertEquals("http://x/a", c.docs.get(0).metadata().get("url"));
            assertEquals("web", c.docs.get(0).source());
            assertTrue(c.rejects.isEmpty());
        }
    }

    /** Generated SFT data: the messages' contents are the text, the list itself is kept as metadata. */
    @Test
    void aMessagesListIsReadAsItsJoinedContentsAndKeptAsMetadata() throws IOException {
        String messages = "[{\"role\":\"user\",\"content\":\"sky?\"},{\"role\":\"assistant\",\"content\":\"blue\"}]";
        Path file = Files.writeString(dir.resolve("gen.jsonl"), "{\"id\": 1, \"messages\": " + messages
                + ", \"generator\": {\"seed\": 3}}\n{\"id\": 2, \"messages\": [{\"role\": \"user\"}]}\n");
        Collected c = read(file, "messages");
        assertEquals(List.of("sky?\n\nblue"), c.texts());
        assertEquals(messages, c.docs.get(0).metadata().get("messages"));
        assertEquals(List.of("missing_text_field"), c.reasons());
        assertTrue(c.rejects.get(0).detail().contains("gen.jsonl:2: 'messages' is a list but not of"),
                c.rejects.get(0).detail());
    }

    @Test
    void eachMalformedLineIsACountedRejectAndReadingGoesOn() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("{\"text\": \"ok one\"}\n".getBytes(StandardCharsets.UTF_8));
        b.writeBytes("{\"text\": \"broken\n".getBytes(StandardCharsets.UTF_8));
        b.writeBytes("{\"text\": \"bad \u00ff byte\"}\n".getBytes(StandardCharsets.ISO_8859_1));
        b.writeBytes("{\"body\": \"wrong field\"}\n".getBytes(StandardCharsets.UTF_8));
        b.writeBytes("\n".getBytes(StandardCharsets.UTF_8));
        b.writeBytes("[1, 2]\n".getBytes(StandardCharsets.UTF_8));
        b.writeBytes("{\"text\": \"\"}\n".getBytes(StandardCharsets.UTF_8));
        b.writeBytes("{\"text\": \"ok two\"}".getBytes(StandardCharsets.UTF_8));
        Path file = Files.write(dir.resolve("mixed.jsonl"), b.toByteArray());
        Collected c = new Collected();
        StepStats stats = new StepStats("read_jsonl");
        new JsonlReader("text", "id").read(file, "web", c, stats);

        assertEquals(List.of("ok one", "ok two"), c.texts());
        assertEquals(List.of("bad_json", "invalid_utf8", "missing_text_field", "bad_json", "empty_text"), c.reasons());
        assertEquals("mixed.jsonl:2", c.rejects.get(0).id());
        assertTrue(c.rejects.get(1).detail().startsWith("mixed.jsonl:3: "), c.rejects.get(1).detail());
        assertTrue(c.rejects.get(2).detail().contains("no string field 'text'"), c.rejects.get(2).detail());
        assertEquals(7, stats.documentsIn());
        assertEquals(2, stats.kept());
        assertEquals(5, stats.droppedTotal());
        assertEquals(1L, stats.counters().get("blank_lines"));
    }

    @Test
    void truncatedGzipKeepsWhatWasReadAndRejectsTheRest() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            sb.append("{\"text\": \"document number ").append(i).append(" with some words\"}\n");
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(b)) {
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        byte[] whole = b.toByteArray();
        Path file = Files.write(dir.resolve("cut.jsonl.gz"), Arrays.copyOf(whole, whole.length / 2));
        Collected c = read(file, "text");
        assertTrue(c.docs.size() > 100 && c.docs.size() < 2000, "read " + c.docs.size());
        for (int i = 0; i < c.docs.size(); i++) {
            assertEquals("document number " + i + " with some words", c.docs.get(i).text());
        }
        assertEquals(List.of("truncated_input"), c.reasons());
        assertTrue(c.rejects.get(0).id().startsWith("cut.jsonl.gz:"), c.rejects.get(0).id());
    }

    @Test
    void emptyFileGivesNothingButIsCounted() throws IOException {
        Path file = Files.write(dir.resolve("empty.jsonl"), new byte[0]);
        Collected c = new Collected();
        StepStats stats = new StepStats("read_jsonl");
        new JsonlReader("text", "id").read(file, "web", c, stats);
        assertTrue(c.docs.isEmpty() && c.rejects.isEmpty());
        assertEquals(1L, stats.counters().get("empty_files"));
    }

    @Test
    void textFieldIsConfigurable() throws IOException {
        Path file = Files.writeString(dir.resolve("c.jsonl"), "{\"content\": \"here\", \"text\": 3}\n");
        assertEquals(List.of("here"), read(file, "content").texts());
        assertEquals(List.of("missing_text_field"), read(file, "text").reasons());
    }
}
