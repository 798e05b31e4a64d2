package ai.stratum.train.data;

import java.io.IOException;

/**
 * Where the trainer's micro-batches come from: token shards ({@link ShardSampler}) for pretraining, packed SFT
 * rows ({@link ai.stratum.train.sft.SftBatchSource}) for fine-tuning. A source is a deterministic stream whose
 * {@link #position()} alone restores it, so a checkpoint's {@code trainer_state.json} makes resume exact.
 */
public interface BatchSource extends AutoCloseable {

    /**
     * Fills the next micro-batch, each array (B, T) row-major: inputs, targets (-1 = no loss at that position)
     * and attention segment ids (positions attend only within their segment; see
     * {@link LanguageModel#forward(int[], int[], int, int, boolean, long, int[])}).
     *
     * @return whether {@code segments} was filled; false means one segment per row, and the model is given none
     */
    boolean next(int[] tokens, int[] targets, int[] segments);

    /** The position of the next micro-batch. */
    DataPosition position();

    int batch();

    int seqLen();

    @Override
    void close() throws IOException;
}
