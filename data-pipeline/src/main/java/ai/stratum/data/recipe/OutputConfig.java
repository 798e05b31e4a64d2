package ai.stratum.data.recipe;

/**
 * Where and how shards are written.
 *
 * @param name            shard file prefix: {@code <name>_train_000000.bin}, {@code <name>_val_000000.bin}
 * @param shardTokens     tokens per shard (llm.c's fineweb uses 100,000,000)
 * @param valFraction     fraction of documents (chosen by a hash of their id) that go to the validation split
 * @param rejectsWithText whether {@code rejects/} keeps the text of each dropped document
 */
public record OutputConfig(String name, long shardTokens, double valFraction, boolean rejectsWithText) {
    public OutputConfig {
        if (name == null || !name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("name: a file prefix of letters, digits, '_', '.', '-', got '" + name
                    + "'");
        }
        if (shardTokens < 1 || shardTokens > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shard_tokens: must be in 1..2147483647, got " + shardTokens);
        }
        if (!(valFraction >= 0 && valFraction < 1)) {
            throw new IllegalArgumentException("val_fraction: must be in [0, 1), got " + valFraction);
        }
    }
}
