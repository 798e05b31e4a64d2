package ai.stratum.train;

import java.io.IOException;

/**
 * A stream of (B, T) batches that can be reopened at a saved {@link DataPosition}: windows of token shards for
 * pretraining, packed example rows for fine-tuning.
 */
public interface BatchSource extends AutoCloseable {

    int batch();

    int seqLen();

    /**
     * Fills {@code tokens} and {@code targets}, each (B, T) row-major; a negative target means no loss there.
     * When rows pack several examples it also fills {@code segmentIds} (attention stays within a segment) and
     * returns true; otherwise it returns false and leaves {@code segmentIds} untouched.
     */
    boolean next(int[] tokens, int[] targets, int[] segmentIds);

    /** The position of the next batch: a source reopened there continues the same stream. */
    DataPosition position();

    @Override
    void close() throws IOException;
}
