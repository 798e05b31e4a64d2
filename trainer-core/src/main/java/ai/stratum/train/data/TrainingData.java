package ai.stratum.train.data;

import java.io.IOException;
import java.util.List;

/**
 * A run's training and validation data, whatever its kind: token shards for pretraining ({@link ShardData}),
 * packed SFT rows for fine-tuning ({@link ai.stratum.train.sft.SftData}).
 */
public interface TrainingData {

    /** The shuffled training stream, at {@code start}. */
    BatchSource openTrain(int batch, int seqLen, int vocabSize, long seed, DataPosition start) throws IOException;

    /** Whether there is validation data. */
    boolean hasValidation();

    /** The validation stream from its beginning, in a fixed order; only when {@link #hasValidation()}. */
    BatchSource openValidation(int batch, int seqLen, int vocabSize) throws IOException;

    /** Micro-batches per evaluation, given the configured {@code eval.steps}. */
    int evalSteps(int configured, BatchSource validation);

    /**
     * Names that identify the training data (each shard's file name and a checksum of its tokens, or the SFT file
     * and a checksum of its packed rows), saved in {@code trainer_state.json}: a run resumes only on the same data.
     */
    List<String> identity();

    /** Where the data is, for messages. */
    String describe();
}
