package ai.stratum.data.shard;

import ai.stratum.tokenizer.Tokenizer;

import ai.stratum.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The project's tokenizer (any tokenizer.json it reads) as the shard step's encoder (ordinary encoding:
 * special-token text stays text). Documents are separated by {@code <|endoftext|>}, or by the eos_token of the
 * tokenizer_config.json beside the tokenizer (e.g. Llama 3's {@code <|end_of_text|>}); shards are uint32 when the
 * vocabulary exceeds 65,536 ids ({@link TokenShardFormat#tokenBytes}).
 */
public final class TokenizerEncoder implements TextEncoder {
    private final Tokenizer tokenizer;
    private final int eot;
    /** Where the tokenizer was loaded from (a tokenizer.json, or a directory), or null when built in memory. */
    private final Path source;

    public TokenizerEncoder(Tokenizer tokenizer) {
        this(tokenizer, null);
    }

    /** @param eosToken the separator to use when the tokenizer has no {@code <|endoftext|>} (may be null) */
    public TokenizerEncoder(Tokenizer tokenizer, String eosToken) {
        this(tokenizer, eosToken, null);
    }

    private TokenizerEncoder(Tokenizer tokenizer, String eosToken, Path source) {
        this.tokenizer = tokenizer;
        this.source = source;
        java.util.OptionalInt id = tokenizer.specialTokenId(Tokenizer.END_OF_TEXT);
        if (id.isEmpty() && eosToken != null) {
            id = tokenizer.specialTokenId(eosToken);
        }
        this.eot = id.orElseThrow(() -> new IllegalArgumentException(
                "tokenizer: it has no " + Tokenizer.END_OF_TEXT + " special token, which llm.c shards put before "
                        + "each document" + (eosToken == null ? "" : ", and its eos_token '" + eosToken + "' is not a special token")
                        + "; add it when training the tokenizer, or give an eos_token in tokenizer_config.json"));
    }

    /**
     * Loads a {@code tokenizer.json} (or a directory with one, or with GPT-2's encoder.json and vocab.bpe), and the
     * eos_token of a tokenizer_config.json beside it.
     */
    public static TokenizerEncoder load(Path path) {
        return new TokenizerEncoder(Tokenizer.load(path), ai.stratum.tokenizer.TokenizerConfig.eosToken(path).orElse(null),
                path.toAbsolutePath().normalize());
    }

    @Override
    public int[] encode(String text) {
        return tokenizer.encodeOrdinary(text);
    }

    @Override
    public int eotId() {
        return eot;
    }

    @Override
    public int vocabSize() {
        return tokenizer.vocabSize();
    }

    @Override
    public String fingerprint() {
        return tokenizer.fingerprint();
    }

    /** Files that travel with a tokenizer.json: its config (chat template, bos/eos) and generation stop ids. */
    static final List<String> SIDE_FILES = List.of("tokenizer_config.json", "generation_config.json",
            "special_tokens_map.json");

    /**
     * Copies the tokenizer.json it was loaded from, as is, with the side files found beside it; a tokenizer loaded
     * from GPT-2's encoder.json + vocab.bpe (or built in memory) is written as the tokenizer.json it loads as.
     */
    @Override
    public void writeTokenizerFiles(Path dir) throws IOException {
        Path json = source == null ? null
                : Files.isDirectory(source) ? source.resolve("tokenizer.json") : source;
        Path target = dir.resolve("tokenizer.json");
        if (json != null && Files.isRegularFile(json) && json.getFileName().toString().endsWith(".json")) {
            AtomicFiles.writeBytes(target, Files.readAllBytes(json));
        } else {
            tokenizer.save(target);
        }
        Path sideDir = source == null ? null : Files.isDirectory(source) ? source : source.getParent();
        if (sideDir != null) {
            for (String side : SIDE_FILES) {
                Path f = sideDir.resolve(side);
                if (Files.isRegularFile(f)) {
                    AtomicFiles.writeBytes(dir.resolve(side), Files.readAllBytes(f));
                }
            }
        }
    }
}
