package ai.stratum.train;

import java.util.List;

/**
 * How long and on what batches to train.
 *
 * @param maxSteps         optimizer steps to run; 0 when {@code max_tokens} sets the length instead
 * @param maxTokens        tokens to train on (rounded up to whole steps); 0 when {@code max_steps} is used
 * @param microBatchSize   sequences per forward/backward pass (B)
 * @param seqLen           tokens per sequence (T), at most the model's context length
 * @param batchSizeTokens  tokens per optimizer step; a multiple of B*T, the quotient being the number of
 *                         gradient-accumulation micro-steps
 * @param seed             seeds weight init, data order and dropout
 * @param dtype            {@code float32} (training) or {@code float64} (checks)
 */
public record TrainingConfig(long maxSteps, long maxTokens, int microBatchSize, int seqLen, long batchSizeTokens,
                             long seed, String dtype) {

    public static final List<String> DTYPES = List.of("float32", "float64");

    public TrainingConfig {
        if (maxSteps < 0) {
            throw new IllegalArgumentException("max_steps: must be >= 0, got " + maxSteps);
        }
        if (maxTokens < 0) {
            throw new IllegalArgumentException("max_tokens: must be >= 0, got " + maxTokens);
        }
        if ((maxSteps > 0) == (maxTokens > 0)) {
            throw new IllegalArgumentException("max_steps: set exactly one of max_steps and max_tokens to a positive "
                    + "value and the other to 0, got max_steps=" + maxSteps + ", max_tokens=" + maxTokens);
        }
        if (microBatchSize < 1) {
            throw new IllegalArgumentException("micro_batch_size: must be >= 1, got " + microBatchSize);
        }
        if (seqLen < 1) {
            throw new IllegalArgumentException("seq_len: must be >= 1, got " + seqLen);
        }
        long microTokens = (long) microBatchSize * seqLen;
        if (batchSizeTokens < microTokens || batchSizeTokens % microTokens != 0) {
            throw new IllegalArgumentException("batch_size_tokens: must be a positive multiple of micro_batch_size * "
                    + "seq_len = " + microTokens + ", got " + batchSizeTokens);
        }
        if (dtype == null || !DTYPES.contains(dtype)) {
            throw new IllegalArgumentException("dtype: must be one of " + DTYPES + ", got " + dtype);
        }
    }

    /** Forward/backward passes whose gradients add up to one optimizer step. */
    public int accumulationSteps() {
        return Math.toIntExact(batchSizeTokens / ((long) microBatchSize * seqLen));
    }

    /** The number of optimizer steps, from {@code max_steps} or {@code max_tokens} rounded up. */
    public long totalSteps() {
        return maxSteps > 0 ? maxSteps : (maxTokens + batchSizeTokens - 1) / batchSizeTokens;
    }
}
