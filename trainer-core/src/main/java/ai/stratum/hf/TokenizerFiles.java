package ai.stratum.hf;

import ai.stratum.io.AtomicFiles;
import ai.stratum.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The tokenizer files a model directory carries, so that every checkpoint and export can be used on its own
 * ({@code generate}, {@code transformers}): {@code tokenizer.json} and, when the source has them,
 * {@code tokenizer_config.json}, {@code special_tokens_map.json}, {@code generation_config.json}, and GPT-2's
 * slow files {@code vocab.json} + {@code merges.txt}. Also which tokenizer a pretraining run carries.
 */
public final class TokenizerFiles {

    public static final String TOKENIZER = "tokenizer.json";
    /** Every file copied from a model directory to the next, in this order. */
    public static final List<String> CARRIED = List.of(TOKENIZER, "tokenizer_config.json",
            "special_tokens_map.json", "generation_config.json", "vocab.json", "merges.txt");
    /** The data pipeline's byte-level encoding (each UTF-8 byte its own id, end-of-text 256). */
    public static final String BYTE_LEVEL_FINGERPRINT = "bytes-257";

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerFiles() {
    }

    /** Copies the {@link #CARRIED} files {@code from} has into {@code to}, each atomically; returns their names. */
    public static List<String> copy(Path from, Path to) throws IOException {
        List<String> copied = new ArrayList<>();
        for (String name : CARRIED) {
            Path f = from.resolve(name);
            if (Files.isRegularFile(f)) {
                AtomicFiles.writeBytes(to.resolve(name), Files.readAllBytes(f));
                copied.add(name);
            }
        }
        return copied;
    }

    /**
     * The {@code tokenizer.json} a pretraining run on {@code dataDir} copies into every checkpoint, decided before
     * the first step: {@code given} (the {@code --tokenizer} option), else {@code dataDir/tokenizer.json}, else,
     * for data the pipeline encoded byte by byte ({@code tokenizer_fingerprint} {@value #BYTE_LEVEL_FINGERPRINT}
     * in {@code manifest.json}), a byte-level {@code tokenizer.json} written into {@code runDir}. When the
     * manifest records the fingerprint of the tokenizer that made the shards, the chosen tokenizer must have it.
     * No tokenizer at all is an {@link IllegalArgumentException} saying what to pass: checkpoints without one
     * cannot be used by {@code generate}.
     */
    public static Path forPretraining(Path dataDir, Path given, Path runDir) throws IOException {
        Path manifest = dataDir.resolve("manifest.json");
        String fingerprint = null;
        if (Files.isRegularFile(manifest)) {
            JsonNode fp = JSON.readTree(manifest.toFile()).path("tokenizer_fingerprint");
            fingerprint = fp.isTextual() ? fp.asText() : null;
        }
        Path chosen = given != null ? given
                : Files.isRegularFile(dataDir.resolve(TOKENIZER)) ? dataDir.resolve(TOKENIZER) : null;
        if (chosen == null && BYTE_LEVEL_FINGERPRINT.equals(fingerprint)) {
            Files.createDirectories(runDir);
            chosen = writeByteLevel(runDir.resolve(TOKENIZER));
        }
        if (chosen == null) {
            throw new IllegalArgumentException("tokenizer: " + dataDir + " has no " + TOKENIZER
                    + (fingerprint != null ? " (its manifest.json names tokenizer " + fingerprint + ")" : "")
                    + "; pass --tokenizer FILE (the tokenizer the shards were made with) so that every checkpoint "
                    + "carries it");
        }
        if (!Files.isRegularFile(chosen)) {
            throw new IllegalArgumentException("tokenizer: " + chosen + " does not exist");
        }
        if (fingerprint != null && !fingerprint.equals(BYTE_LEVEL_FINGERPRINT)) {
            String actual = Tokenizer.load(chosen).fingerprint();
            if (!actual.equals(fingerprint)) {
                throw new IllegalArgumentException("tokenizer: " + chosen + " (fingerprint " + actual + ") is not the "
                        + "tokenizer " + manifest + " was made with (" + fingerprint + "); pass that one");
            }
        }
        return chosen;
    }

    /**
     * Writes the byte-level {@code tokenizer.json} equal to the data pipeline's byte encoding: the 256 byte tokens
     * (id = byte value, in GPT-2's byte-to-unicode spelling), no merges, and {@code <|endoftext|>} = 256. Every
     * field Hugging Face's {@code tokenizers} requires is written (an added token's {@code single_word},
     * {@code lstrip}, {@code rstrip}, {@code normalized}; ByteLevel's {@code trim_offsets}), so
     * {@code AutoTokenizer} loads it.
     */
    public static Path writeByteLevel(Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        ObjectNode eot = root.putArray("added_tokens").addObject();
        eot.put("id", 256);
        eot.put("content", Tokenizer.END_OF_TEXT);
        eot.put("single_word", false);
        eot.put("lstrip", false);
        eot.put("rstrip", false);
        eot.put("normalized", false);
        eot.put("special", true);
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "ByteLevel");
        pre.put("add_prefix_space", false);
        pre.put("trim_offsets", true);
        pre.put("use_regex", true);
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "ByteLevel");
        decoder.put("add_prefix_space", true);
        decoder.put("trim_offsets", true);
        decoder.put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        char[] spelling = byteSpelling();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(spelling[b]), b);
        }
        model.putArray("merges");
        AtomicFiles.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        return file;
    }

    /** GPT-2's byte-level spelling: printable Latin-1 bytes are themselves, the others code points 256 and up. */
    private static char[] byteSpelling() {
        char[] out = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            out[b] = printable ? (char) b : (char) next++;
        }
        return out;
    }
}
