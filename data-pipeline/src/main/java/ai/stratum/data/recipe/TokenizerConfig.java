package ai.stratum.data.recipe;

/**
 * The tokenizer for the shard step: {@code type: bytes} (byte-level, vocabulary 257, no file) or
 * {@code type: file} with {@code path} to a Hugging Face {@code tokenizer.json}.
 */
public record TokenizerConfig(String type, String path) {
    public TokenizerConfig {
        if (!"bytes".equals(type) && !"file".equals(type)) {
            throw new IllegalArgumentException("type: must be 'bytes' or 'file', got '" + type + "'");
        }
        if ("file".equals(type) && (path == null || path.isBlank())) {
            throw new IllegalArgumentException("path: type 'file' needs the path of a tokenizer.json");
        }
        path = path == null ? "" : path;
    }
}
