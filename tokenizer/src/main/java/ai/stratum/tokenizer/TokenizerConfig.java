package ai.stratum.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Reads the few keys of a Hugging Face {@code tokenizer_config.json} that tools outside chat templates need. */
public final class TokenizerConfig {
    private TokenizerConfig() {
    }

    /**
     * The {@code eos_token} of the tokenizer_config.json beside a tokenizer ({@code path} is tokenizer.json or its
     * directory), if that file exists and names one (as a string or {@code {"content": ...}}).
     *
     * @throws TokenizerFileException if the file exists but is not valid JSON
     */
    public static Optional<String> eosToken(Path tokenizerPath) {
        Path dir = Files.isDirectory(tokenizerPath) ? tokenizerPath : tokenizerPath.toAbsolutePath().getParent();
        Path config = dir == null ? null : dir.resolve("tokenizer_config.json");
        if (config == null || !Files.exists(config)) {
            return Optional.empty();
        }
        try {
            JsonNode eos = new ObjectMapper().readTree(config.toFile()).path("eos_token");
            if (eos.isTextual()) {
                return Optional.of(eos.asText());
            }
            return eos.path("content").isTextual() ? Optional.of(eos.path("content").asText()) : Optional.empty();
        } catch (IOException e) {
            throw new TokenizerFileException(config, "not valid JSON: " + e.getMessage(), e);
        }
    }
}
