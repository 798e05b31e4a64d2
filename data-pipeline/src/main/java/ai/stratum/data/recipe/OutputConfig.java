package ai.stratum.data.recipe;

import java.util.List;

/**
 * Where and how shards are written.
 *
 * @param name            shard file prefix: {@code <name>_train_000000.bin}, {@code <name>_val_000000.bin}
 * @param shardTokens     tokens per shard (llm.c's fineweb uses 100,000,000)
 * @param valFraction     fraction of documents (chosen by a hash of their id) that go to the validation split
 * @param rejectsWithText whether {@code rejects/} keeps the text of each dropped document
 * @param documents       formats of the kept documents written beside the shards, under {@code documents/}:
 *                        any of {@code jsonl}, {@code jsonl.zst} (one of the two) and {@code parquet}; empty for
 *                        shards only
 */
public record OutputConfig(String name, long shardTokens, double valFraction, boolean rejectsWithText,
                           List<String> documents) {
    public static final List<String> DOCUMENT_FORMATS = List.of("jsonl", "jsonl.zst", "parquet");

    /** Shards only: no document outputs. */
    public OutputConfig(String name, long shardTokens, double valFraction, boolean rejectsWithText) {
        this(name, shardTokens, valFraction, rejectsWithText, List.of());
    }

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
        if (documents == null) {
            throw new IllegalArgumentException("documents: a list of formats from " + DOCUMENT_FORMATS
                    + ", or [] for shards only");
        }
        for (String f : documents) {
            if (!DOCUMENT_FORMATS.contains(f)) {
                throw new IllegalArgumentException("documents: unknown format '" + f + "'; formats are "
                        + DOCUMENT_FORMATS);
            }
        }
        if (documents.contains("jsonl") && documents.contains("jsonl.zst")) {
            throw new IllegalArgumentException("documents: choose one of jsonl and jsonl.zst, not both");
        }
        if (documents.stream().distinct().count() != documents.size()) {
            throw new IllegalArgumentException("documents: a format is listed twice: " + documents);
        }
        documents = List.copyOf(documents);
    }
}
