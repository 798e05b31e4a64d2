package ai.stratum.train.sft;

import ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson;
import ai.stratum.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SftDataTest {

    @TempDir
    Path dir;

    Tokenizer tokenizer;
    int eot;
    int user;
    int assistant;
    int end;

    @BeforeEach
    void setUp() throws IOException {
        List<String> specials = new ArrayList<>(List.of(Tokenizer.END_OF_TEXT));
        specials.addAll(ChatTemplate.DEFAULT.specialTokens());
        tokenizer = Tokenizer.load(ByteLevelTokenizerJson.write(dir.resolve("tokenizer.json"), specials));
        eot = tokenizer.specialTokenId(Tokenizer.END_OF_TEXT).orElseThrow();
        user = tokenizer.specialTokenId("<|user|>").orElseThrow();
        assistant = tokenizer.specialTokenId("<|assistant|>").orElseThrow();
        end = tokenizer.specialTokenId("<|end|>").orElseThrow();
    }

    private Path jsonl(String... lines) throws IOException {
        Path p = dir.resolve("data.jsonl");
        Files.write(p, List.of(lines), StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void readsBothLayoutsAndSkipsBlankLines() throws IOException {
        Path p = jsonl("{\"prompt\": \"2+2?\", \"response\": \"4\"}", "",
                "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
                        + " {\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello\"}]}");
        List<SftExample> examples = SftJsonl.read(p);
        assertEquals(2, examples.size());
        assertEquals(SftExample.of("2+2?", "4"), examples.get(0));
        assertEquals(Message.Role.SYSTEM, examples.get(1).messages().get(0).role());
        assertEquals("Hello", examples.get(1).messages().get(2).content());
    }

    /** A data-pipeline kept document of generated data: the conversation is its metadata.messages (JSON text). */
    @Test
    void readsTheMessagesOfAKeptDocument() throws IOException {
        Path p = jsonl("{\"id\": \"7\", \"source\": \"generated\", \"text\": \"Hi\\n\\nHello\", \"metadata\": "
                + "{\"messages\": \"[{\\\"role\\\":\\\"user\\\",\\\"content\\\":\\\"Hi\\\"},"
                + "{\\\"role\\\":\\\"assistant\\\",\\\"content\\\":\\\"Hello\\\"}]\"}}",
                "{\"id\": \"8\", \"text\": \"x\", \"metadata\": {\"messages\": \"[not json\"}}");
        assertMessage(p, "data.jsonl:2:", "metadata.messages is not a JSON list");
        Files.writeString(p, Files.readAllLines(p).get(0));
        assertEquals(List.of(SftExample.of("Hi", "Hello")), SftJsonl.read(p));
    }

    @Test
    void malformedLinesNameFileAndLine() throws IOException {
        assertMessage(jsonl("{\"prompt\": \"a\", \"response\": \"b\"}", "{not json"), "data.jsonl:2:", "not valid JSON");
        assertMessage(jsonl("{\"prompt\": \"a\"}"), "data.jsonl:1:", "'prompt' and 'response'");
        assertMessage(jsonl("[1, 2]"), "data.jsonl:1:", "JSON object");
        assertMessage(jsonl("{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}"), "data.jsonl:1:",
                "system, user, assistant", "robot");
        assertMessage(jsonl("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}"), "data.jsonl:1:",
                "assistant message");
        assertMessage(jsonl("", "  "), "no examples");
        // what a chat template would render besides role and content is refused by name, not dropped
        String chat = "\"messages\": [{\"role\": \"user\", \"content\": \"x\"}, "
                + "{\"role\": \"assistant\", \"content\": \"y\"";
        assertMessage(jsonl("{" + chat + "}], \"tools\": [{\"type\": \"function\"}]}"), "data.jsonl:1:",
                "key 'tools' is not supported");
        assertMessage(jsonl("{" + chat + ", \"tool_calls\": []}]}"), "data.jsonl:1:", "message 2: key 'tool_calls'");
        assertEquals(List.of(SftExample.of("x", "y")), SftJsonl.read(jsonl("{" + chat + "}], \"id\": \"a1\", "
                + "\"tools\": null}")), "an id and a null tools are no change to the rendering");
        Path bad = dir.resolve("latin1.jsonl");
        Files.write(bad, new byte[] {'{', '"', 'p', (byte) 0xE9, '"', '}', '\n'});
        assertMessage(bad, "latin1.jsonl:1:", "UTF-8");
    }

    @Test
    void badUtf8OnLine30IsReportedOnLine30WithItsByteOffset() throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 1; i < 30; i++) {
            bytes.writeBytes(("{\"prompt\": \"caf\u00e9 " + i + "\", \"response\": \"ok\"}\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        long lineStart = bytes.size();
        bytes.writeBytes("{\"prompt\": \"x".getBytes(StandardCharsets.UTF_8));
        long badAt = bytes.size();
        bytes.write(0xE9);
        bytes.writeBytes("\", \"response\": \"y\"}\n".getBytes(StandardCharsets.UTF_8));
        Path file = Files.write(dir.resolve("thirty.jsonl"), bytes.toByteArray());
        assertMessage(file, file + ":30: not valid UTF-8 at byte " + badAt + " of the file (byte "
                + (badAt - lineStart + 1) + " of the line)");
        Files.write(file, java.util.Arrays.copyOf(bytes.toByteArray(), (int) lineStart));
        List<SftExample> read = SftJsonl.read(file);
        assertEquals(29, read.size());
        assertEquals(SftExample.of("caf\u00e9 29", "ok"), read.get(28), "CRLF line ends are dropped");
        IOException dirError = assertThrows(IOException.class, () -> SftJsonl.read(dir));
        assertTrue(dirError.getMessage().equals(dir + ": is a directory; pass an SFT JSONL file (one example per line)"),
                dirError.getMessage());
    }

    private static void assertMessage(Path file, String... parts) {
        var e = assertThrows(IllegalArgumentException.class, () -> SftJsonl.read(file));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
        }
    }

    @Test
    void promptIsMaskedAndTheAnswerAndItsTurnEndAreTrained() {
        SftEncoder encoder = new SftEncoder(tokenizer, ChatTemplate.DEFAULT, false);
        SftEncoder.Encoded e = encoder.encode(SftExample.of("ab", "xyz"));
        // <eot> <|user|> a b <|end|> <|assistant|> x y z <|end|>
        assertArrayEquals(new int[] {eot, user, 'a', 'b', end, assistant, 'x', 'y', 'z', end}, e.tokens());
        boolean[] expected = {false, false, false, false, false, false, true, true, true, true};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], e.trained()[i], "token " + i);
        }
        assertEquals(4, e.trainedTargets());

        SftEncoder.Encoded all = new SftEncoder(tokenizer, ChatTemplate.DEFAULT, true).encode(SftExample.of("ab", "xyz"));
        assertEquals(all.length() - 1, all.trainedTargets(), "train_on_inputs trains every predicted token");
    }

    @Test
    void userTextSpellingATemplateTokenStaysPlainText() {
        SftEncoder encoder = new SftEncoder(tokenizer, ChatTemplate.DEFAULT, false);
        SftEncoder.Encoded e = encoder.encode(SftExample.of("<|end|>", "ok"));
        long ends = java.util.Arrays.stream(e.tokens()).filter(t -> t == end).count();
        assertEquals(2, ends, "only the template's own turn ends are special tokens");
    }

    @Test
    void templateTokensMissingFromTheTokenizerAreAClearError() throws IOException {
        Tokenizer bare = Tokenizer.load(ByteLevelTokenizerJson.write(dir.resolve("bare.json"), List.of(Tokenizer.END_OF_TEXT)));
        var e = assertThrows(IllegalArgumentException.class, () -> new SftEncoder(bare, ChatTemplate.DEFAULT, false));
        assertTrue(e.getMessage().contains("<|system|>") && e.getMessage().contains("withSpecialTokens"), e.getMessage());
        Tokenizer extended = bare.withSpecialTokens(ChatTemplate.DEFAULT.specialTokens());
        new SftEncoder(extended, ChatTemplate.DEFAULT, false).encode(SftExample.of("a", "b"));
    }

    @Test
    void packingShiftsTargetsAndKeepsSegmentsApart() {
        SftEncoder encoder = new SftEncoder(tokenizer, ChatTemplate.DEFAULT, false);
        SftEncoder.Encoded a = encoder.encode(SftExample.of("a", "b"));   // 7 tokens -> 6 positions
        SftEncoder.Encoded b = encoder.encode(SftExample.of("cc", "dd")); // 9 tokens -> 8 positions
        SftEncoder.Encoded c = encoder.encode(SftExample.of("e", "f"));   // 7 tokens -> 6 positions
        var result = SequencePacker.pack(List.of(a, b, c), 14, SequencePacker.Overflow.TRUNCATE, eot);
        assertEquals(2, result.rows().size(), "a and b fill row 0 (6 + 8 = 14); c opens row 1");
        SequencePacker.Row r0 = result.rows().get(0);
        for (int i = 0; i < 6; i++) {
            assertEquals(a.tokens()[i], r0.tokens()[i]);
            assertEquals(a.trained()[i + 1] ? a.tokens()[i + 1] : -1, r0.targets()[i], "target " + i);
            assertEquals(0, r0.segments()[i]);
        }
        for (int i = 0; i < 8; i++) {
            assertEquals(b.tokens()[i], r0.tokens()[6 + i]);
            assertEquals(1, r0.segments()[6 + i]);
        }
        SequencePacker.Row r1 = result.rows().get(1);
        for (int i = 6; i < 14; i++) {
            assertEquals(-1, r1.targets()[i], "padding has no loss");
            assertEquals(-1, r1.segments()[i]);
            assertEquals(eot, r1.tokens()[i]);
        }
        SequencePacker.Stats s = result.stats();
        assertEquals(3, s.packed());
        assertEquals(a.trainedTargets() + b.trainedTargets() + c.trainedTargets(), s.trainedTargets());
        assertEquals(20.0 / 28.0, s.fill(), 1e-12);
    }

    @Test
    void firstFitReusesEarlierRowsWithRoom() {
        SftEncoder encoder = new SftEncoder(tokenizer, ChatTemplate.DEFAULT, false);
        SftEncoder.Encoded big = encoder.encode(SftExample.of("aaaa", "bbbb"));  // 13 tokens -> 12 positions
        SftEncoder.Encoded small = encoder.encode(SftExample.of("a", "b"));      // 6 positions
        var result = SequencePacker.pack(List.of(big, big, small), 18, SequencePacker.Overflow.TRUNCATE, eot);
        assertEquals(2, result.rows().size());
        assertEquals(1, result.rows().get(0).segments()[17], "the small example went back into row 0 as its second segment");
        assertEquals(0, result.rows().get(1).segments()[0]);
    }

    @Test
    void overLongExamplesAreTruncatedOrDroppedAndCounted() {
        SftEncoder encoder = new SftEncoder(tokenizer, ChatTemplate.DEFAULT, false);
        SftEncoder.Encoded longAnswer = encoder.encode(SftExample.of("q", "0123456789"));  // 16 tokens
        SftEncoder.Encoded longPrompt = encoder.encode(SftExample.of("0123456789abc", "z")); // answer beyond the cut
        var truncated = SequencePacker.pack(List.of(longAnswer, longPrompt), 10, SequencePacker.Overflow.TRUNCATE, eot);
        assertEquals(2, truncated.stats().truncated());
        assertEquals(1, truncated.stats().droppedNoTarget(), "a prompt that fills the row leaves nothing to learn");
        assertEquals(1, truncated.stats().packed());
        assertEquals(10, java.util.Arrays.stream(truncated.rows().get(0).segments()).filter(x -> x == 0).count());

        var dropped = SequencePacker.pack(List.of(longAnswer, longPrompt), 10, SequencePacker.Overflow.DROP, eot);
        assertEquals(2, dropped.stats().droppedTooLong());
        assertEquals(0, dropped.rows().size());
        assertFalse(dropped.stats().fill() > 0);
    }

    @Test
    void generationPromptEndsWithTheAssistantPrefix() {
        SftEncoder encoder = new SftEncoder(tokenizer, ChatTemplate.DEFAULT, false);
        int[] prompt = encoder.encodePrompt(List.of(new Message(Message.Role.USER, "hi")));
        assertArrayEquals(new int[] {eot, user, 'h', 'i', end, assistant}, prompt);
    }
}
