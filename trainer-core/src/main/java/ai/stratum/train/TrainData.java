package ai.stratum.train;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * What a run trains and evaluates on. {@link ShardSet} is the pretraining data; fine-tuning data (packed SFT
 * examples) is another, trained by the same {@link Trainer} loop.
 */
public interface TrainData {

    /** Training batches in an order that is a pure function of {@code seed}, starting at {@code start}. */
    BatchSource openTrain(int batch, int seqLen, int vocabSize, long seed, DataPosition start) throws IOException;

    /** Validation batches in a fixed order (the same at every evaluation), or empty without a validation split. */
    Optional<BatchSource> openVal(int batch, int seqLen, int vocabSize) throws IOException;

    /** Names identifying the training data (e.g. shard file names); a run resumes only on the same data. */
    List<String> identity();

    /** Where the data lives, for messages. */
    String describe();
}
