package ai.stratum.data.shard;

import ai.stratum.data.recipe.TokenizerConfig;

import java.nio.file.Path;

/** The encoder a recipe's {@code tokenizer} section names. */
public final class Encoders {
    private Encoders() {
    }

    public static TextEncoder of(TokenizerConfig config) {
        return switch (config.type()) {
            case "bytes" -> new ByteLevelEncoder();
            case "file" -> TokenizerEncoder.load(Path.of(config.path()));
            default -> throw new IllegalArgumentException("type: unknown tokenizer type '" + config.type() + "'");
        };
    }
}
