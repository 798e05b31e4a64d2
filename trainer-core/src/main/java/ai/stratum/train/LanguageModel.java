package ai.stratum.train;

import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the trainer needs of a model: flat parameter and gradient buffers laid out by a {@link ParameterLayout},
 * and a forward/backward pair over a (B, T) batch. The GPT is one; a LoRA-wrapped GPT (whose layout holds only
 * adapters as trainable tensors) is another, trained by the same loop.
 */
public interface LanguageModel extends AutoCloseable {

    ModelConfig config();

    ParameterLayout layout();

    /** All parameters, flat [P]; each named tensor is a view at its layout offset. */
    INDArray params();

    /** Gradients, flat [P], laid out as {@link #params()}; {@link #backward} accumulates into them. */
    INDArray grads();

    void initWeights(long seed);

    void zeroGrads();

    /**
     * Runs the model on {@code tokens} (B, T) row-major and returns the mean cross-entropy over the positions
     * whose target is {@code >= 0} (a negative target contributes no loss).
     *
     * @param dropoutSeed dropout masks are a pure function of this seed and the position
     * @param segmentIds  (B, T) or null: a position attends only to earlier positions of its own segment
     */
    float forward(int[] tokens, int[] targets, int batch, int seqLen, boolean training, long dropoutSeed,
                  int[] segmentIds);

    /** Backpropagates the last forward's loss times {@code lossScale}, adding into {@link #grads()}. */
    void backward(float lossScale);

    @Override
    void close();
}
