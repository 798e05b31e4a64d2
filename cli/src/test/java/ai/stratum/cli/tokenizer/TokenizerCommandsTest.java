package ai.stratum.cli.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stratum.cli.Main;
import ai.stratum.fixtures.text.MultilingualText;
import ai.stratum.tokenizer.Tokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerCommandsTest {
    @TempDir
    static Path dir;
    static Path corpus;
    static Path tokenizerDir;

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void train() throws IOException {
        corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, String.join("\n", MultilingualText.seeded(9).documents(120, 500)), StandardCharsets.UTF_8);
        tokenizerDir = dir.resolve("tok");
        Result r = run("tokenizer", "train", "--input", corpus.toString(), "--vocab-size", "700", "--special", "<|endoftext|>",
                "--special", "<|pad|>", "--min-frequency", "2", "--threads", "2", "--out", tokenizerDir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("700 tokens"), r.out());
    }

    @Test
    void infoShowsSizesSpecialsAndTokens() {
        Result r = run("tokenizer", "info", "--tokenizer", tokenizerDir.toString(), "--text", "hi<|endoftext|>");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("vocab_size: 700"), r.out());
        assertTrue(r.out().contains("  698 <|endoftext|>\n  699 <|pad|>"), r.out());
        assertTrue(r.out().contains("fingerprint: " + Tokenizer.load(tokenizerDir).fingerprint()), r.out());
        assertTrue(r.out().contains("pipeline: normalizer none; pre_tokenizer ByteLevel [GPT-2 scanner]; model BPE byte-level; "
                + "post_processor none; decoder ByteLevel"), r.out());
        assertTrue(r.out().endsWith("  698 <|endoftext|>\n"), r.out());
    }

    @Test
    void encodeThenDecodeRoundTripsInEveryFormat() throws IOException {
        Tokenizer tokenizer = Tokenizer.load(tokenizerDir);
        String text = Files.readString(corpus).substring(0, 5000);
        Path input = dir.resolve("in.txt");
        Files.writeString(input, text, StandardCharsets.UTF_8);
        for (String format : new String[] {"text", "u16", "u32"}) {
            Path ids = dir.resolve("ids." + format);
            Path back = dir.resolve("back-" + format + ".txt");
            Result enc = run("tokenizer", "encode", "--tokenizer", tokenizerDir.resolve("tokenizer.json").toString(),
                    "--input", input.toString(), "--output", ids.toString(), "--format", format);
            assertEquals(0, enc.code(), enc.err());
            int[] written = IdFormat.valueOf(format.toUpperCase()).read(Files.readAllBytes(ids), ids.toString());
            assertArrayEquals(tokenizer.encodeOrdinary(text), written);
            Result dec = run("tokenizer", "decode", "--tokenizer", tokenizerDir.toString(), "--input", ids.toString(),
                    "--format", format, "--output", back.toString());
            assertEquals(0, dec.code(), dec.err());
            assertEquals(text, Files.readString(back, StandardCharsets.UTF_8));
        }
        assertEquals(2 * tokenizer.encodeOrdinary(text).length, Files.size(dir.resolve("ids.u16")));
    }

    @Test
    void encodeReadsStdinAndMatchesSpecialTokensOnlyWhenAllowed() {
        Tokenizer tokenizer = Tokenizer.load(tokenizerDir);
        String text = "one<|endoftext|>two";
        String plain = withStdin(text, () -> run("tokenizer", "encode", "--tokenizer", tokenizerDir.toString()).out());
        String special = withStdin(text, () -> run("tokenizer", "encode", "--tokenizer", tokenizerDir.toString(),
                "--allow-special", "<|endoftext|>").out());
        assertEquals(join(tokenizer.encodeOrdinary(text)), plain.trim());
        assertEquals(join(tokenizer.encode(text, Set.of("<|endoftext|>"))), special.trim());
        assertTrue((" " + special).contains(" 698 "), special);
        Result decoded = withStdin(special, () -> run("tokenizer", "decode", "--tokenizer", tokenizerDir.toString()));
        assertEquals(text, decoded.out());
    }

    @Test
    void badInputGetsOneClearMessageAndExitCode2() throws IOException {
        Result unknown = withStdin("1 2 5000", () -> run("tokenizer", "decode", "--tokenizer", tokenizerDir.toString()));
        assertEquals(2, unknown.code());
        assertEquals("stratum: unknown token id 5000: valid ids are 0..699\n", unknown.err());
        Result notAnId = withStdin("1 2\n3 x7", () -> run("tokenizer", "decode", "--tokenizer", tokenizerDir.toString()));
        assertEquals(2, notAnId.code());
        assertTrue(notAnId.err().contains("<stdin> line 2: 'x7' is not a token id"), notAnId.err());
        Path missing = dir.resolve("nowhere/tokenizer.json");
        Result noFile = run("tokenizer", "info", "--tokenizer", missing.toString());
        assertEquals(2, noFile.code());
        assertTrue(noFile.err().contains(missing + ": no such tokenizer file or directory"), noFile.err());
        Path corrupt = dir.resolve("corrupt.json");
        Files.writeString(corrupt, "{ not json");
        Result bad = run("tokenizer", "info", "--tokenizer", corrupt.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("stratum: " + corrupt + ": not valid JSON"), bad.err());
        Path notWritten = dir.resolve("never.ids");
        Result badSpecial = run("tokenizer", "encode", "--tokenizer", tokenizerDir.toString(), "--input", corpus.toString(),
                "--allow-special", "<|nope|>", "--output", notWritten.toString());
        assertEquals(2, badSpecial.code());
        assertTrue(badSpecial.err().contains("'<|nope|>' is not a special token"), badSpecial.err());
        assertTrue(!Files.exists(notWritten), "a failed run leaves no output file");
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temp files left");
        }
        Result tooSmall = run("tokenizer", "train", "--input", corpus.toString(), "--vocab-size", "10", "--out", dir.toString());
        assertEquals(2, tooSmall.code());
        assertTrue(tooSmall.err().contains("vocab_size: must be at least 256"), tooSmall.err());
    }

    @Test
    void benchmarksRunAndCheckIdsAgainstJtokkit() throws IOException {
        Path text = dir.resolve("bench.txt");
        Files.writeString(text, String.join("\n\n", MultilingualText.seeded(2).documents(30, 2000)), StandardCharsets.UTF_8);
        Result encode = run("bench", "tokenizer", "--input", text.toString(), "--seconds", "0.05", "--rounds", "1", "--threads", "2");
        assertEquals(0, encode.code(), encode.err());
        assertTrue(encode.out().contains("documents whose ids differ from JTokkit: 0 of"), encode.out());
        assertTrue(encode.out().contains("Stratum / JTokkit: "), encode.out());
        Result train = run("bench", "tokenizer", "train", "--input", text.toString(), "--vocab-size", "400", "--threads", "2");
        assertEquals(0, train.code(), train.err());
        assertTrue(train.out().contains("merges: ") && train.out().contains("peak heap"), train.out());
    }

    @Test
    void invalidUtf8IsRefusedWithFileAndOffsetUnlessReplaced() throws IOException {
        Path bad = dir.resolve("bad-utf8.txt");
        byte[] head = "ok text\n".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = Arrays.copyOf(head, head.length + 3);
        bytes[head.length] = (byte) 0xFF;
        bytes[head.length + 1] = 'a';
        bytes[head.length + 2] = '\n';
        Files.write(bad, bytes);
        Result encode = run("tokenizer", "encode", "--tokenizer", tokenizerDir.toString(), "--input", bad.toString());
        assertEquals(2, encode.code(), encode.err());
        assertTrue(encode.err().contains(bad + ": invalid UTF-8 at byte offset 8 (0xFF)"), encode.err());
        Result replaced = run("tokenizer", "encode", "--tokenizer", tokenizerDir.toString(), "--input", bad.toString(),
                "--errors", "replace");
        assertEquals(0, replaced.code(), replaced.err());
        Result train = run("tokenizer", "train", "--input", bad.toString(), "--vocab-size", "300", "--out", dir.resolve("bad-tok").toString());
        assertEquals(2, train.code(), train.err());
        assertTrue(train.err().contains(bad + ": invalid UTF-8 at byte offset 8"), train.err());
    }

    @Test
    void trainsLlama3PatternWithBosEosAndConfig() throws IOException {
        Path out = dir.resolve("llama-style");
        Result r = run("tokenizer", "train", "--input", corpus.toString(), "--vocab-size", "600", "--pattern", "llama3",
                "--special", "<|begin_of_text|>", "--special", "<|end_of_text|>", "--special", "<|eot_id|>",
                "--bos", "<|begin_of_text|>", "--eos", "<|end_of_text|>", "--threads", "2", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        String config = Files.readString(out.resolve("tokenizer_config.json"));
        assertTrue(config.contains("\"eos_token\" : \"<|end_of_text|>\""), config);
        Tokenizer t = Tokenizer.load(out);
        assertEquals(t.specialTokenId("<|begin_of_text|>").getAsInt(), t.encode("hi", Set.of(), true)[0]);
        Result badPattern = run("tokenizer", "train", "--input", corpus.toString(), "--vocab-size", "600", "--pattern", "gpt4",
                "--out", dir.resolve("x").toString());
        assertEquals(2, badPattern.code());
        assertTrue(badPattern.err().contains("--pattern must be gpt2, llama3 or qwen2, got 'gpt4'"), badPattern.err());
    }

    private static String join(int[] ids) {
        return String.join(" ", Arrays.stream(ids).mapToObj(Integer::toString).toList());
    }

    private static <T> T withStdin(String text, java.util.function.Supplier<T> action) {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        try {
            return action.get();
        } finally {
            System.setIn(saved);
        }
    }
}
