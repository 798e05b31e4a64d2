package ai.stratum.train.sft;

import ai.stratum.train.data.BatchSource;
import ai.stratum.train.data.DataPosition;
import ai.stratum.util.Seeds;
import ai.stratum.train.data.ShardSampler;

import java.util.Arrays;
import java.util.List;

/**
 * Micro-batches of packed SFT rows ({@link SequencePacker.Row}): B rows per batch, with their segment ids.
 *
 * <p>Shuffled (training): each epoch visits every row once in a permutation that is a pure function of
 * (seed, epoch), so {@link DataPosition} (epoch, 0, next row) restores the stream exactly. A batch may span
 * the end of an epoch. Sequential (evaluation): rows in order; the last batch of a pass is completed with
 * padding rows (no targets), so {@code ceil(rows / B)} batches see every row exactly once; then it starts over.
 */
public final class SftBatchSource implements BatchSource {

    private final List<SequencePacker.Row> rows;
    private final int batch;
    private final int seqLen;
    private final long seed;
    private final boolean shuffle;
    private final int padId;
    private long epoch;
    private int cursor;
    private int[] order;

    /**
     * @param rows  packed rows, all of length {@code seqLen}; at least one
     * @param padId token of padding rows (sequential mode)
     */
    public SftBatchSource(List<SequencePacker.Row> rows, int batch, long seed, boolean shuffle, int padId,
                          DataPosition start) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("sft: no packed rows to train on; every example was dropped (see the "
                    + "packing counts) or the file is empty");
        }
        if (batch < 1) {
            throw new IllegalArgumentException("micro_batch_size: must be >= 1, got " + batch);
        }
        this.rows = List.copyOf(rows);
        this.batch = batch;
        this.seqLen = rows.get(0).tokens().length;
        this.seed = seed;
        this.shuffle = shuffle;
        this.padId = padId;
        if (start.shard() != 0 || start.window() > rows.size()) {
            throw new IllegalArgumentException("data_position: row " + start.window() + " (shard " + start.shard()
                    + ") but the SFT data has " + rows.size() + " packed rows; resume with the same --data and "
                    + "train.seq_len");
        }
        startEpoch(start.epoch());
        this.cursor = Math.toIntExact(start.window());
    }

    private void startEpoch(long e) {
        epoch = e;
        cursor = 0;
        order = shuffle ? ShardSampler.permutation(rows.size(), Seeds.derive(seed, e)) : null;
    }

    /** Batches of one pass over the rows in sequential mode. */
    public int batchesPerPass() {
        return (rows.size() + batch - 1) / batch;
    }

    @Override
    public boolean next(int[] tokens, int[] targets, int[] segments) {
        for (int b = 0; b < batch; b++) {
            int at = b * seqLen;
            if (cursor == rows.size()) {
                if (!shuffle && b > 0) {
                    Arrays.fill(tokens, at, at + seqLen, padId);
                    Arrays.fill(targets, at, at + seqLen, -1);
                    Arrays.fill(segments, at, at + seqLen, -1);
                    continue;
                }
                startEpoch(epoch + 1);
            }
            SequencePacker.Row row = rows.get(shuffle ? order[cursor] : cursor);
            System.arraycopy(row.tokens(), 0, tokens, at, seqLen);
            System.arraycopy(row.targets(), 0, targets, at, seqLen);
            System.arraycopy(row.segments(), 0, segments, at, seqLen);
            cursor++;
        }
        return true;
    }

    @Override
    public DataPosition position() {
        return new DataPosition(epoch, 0, cursor);
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public int seqLen() {
        return seqLen;
    }

    @Override
    public void close() {
    }
}
