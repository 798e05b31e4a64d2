package ai.stratum.train;

import ai.stratum.model.ModelConfig;
import org.nd4j.linalg.api.buffer.DataType;

/** Builds a model with activation buffers for batches of up to {@code maxBatch} x {@code maxSeqLen}. */
@FunctionalInterface
public interface ModelFactory {
    LanguageModel create(ModelConfig config, int maxBatch, int maxSeqLen, DataType dtype);
}
