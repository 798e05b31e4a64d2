package ai.stratum.train.data;

/**
 * Where a {@link BatchSource} is. For a {@link ShardSampler}, the next window to read is window {@code window}
 * of the epoch's permuted window order inside shard number {@code shard} of the epoch's permuted shard order;
 * other sources give the fields their own meaning (e.g. rows served).
 */
public record DataPosition(long epoch, int shard, long window) {
    public static final DataPosition START = new DataPosition(0, 0, 0);

    public DataPosition {
        if (epoch < 0 || shard < 0 || window < 0) {
            throw new IllegalArgumentException("data_position: epoch, shard and window must be >= 0, got "
                    + epoch + ", " + shard + ", " + window);
        }
    }
}
