package ai.stratum.train;

import ai.stratum.train.checkpoint.Checkpoints;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What the trainer needs of a model: flat parameter and gradient buffers laid out by a {@link ParameterLayout}
 * (the tensors the optimizer may update), a forward/backward pair over a (B, T) batch, and how its weights go
 * into and come out of a checkpoint directory. A {@link DecoderModel} is one (every weight); a LoRA-wrapped GPT ({@link LoraModel}: only the adapters, in PEFT's layout) is another,
 * trained by the same loop.
 */
public interface LanguageModel extends AutoCloseable {

    ModelConfig config();

    ParameterLayout layout();

    /** All parameters, flat [P]; each named tensor is a view at its layout offset. */
    INDArray params();

    /** Gradients, flat [P], laid out as {@link #params()}; {@link #backward} accumulates into them. */
    INDArray grads();

    void initWeights(long seed);

    /** Every parameter the model computes with, trainable or not (a LoRA model's frozen base included). */
    default long totalParameters() {
        return layout().size();
    }

    /**
     * Matmul FLOPs per parameter and token of one training step, for MFU: 2 forward, 2 for the input gradient
     * and 2 for the weight gradient.
     */
    default double trainingFlopsPerParameter() {
        return 6;
    }

    /**
     * FLOPs per trained token that a step spends outside this model's own forward and backward (a live
     * distillation teacher's forward), counted in MFU as model work; 0 for a plain model.
     */
    default double extraFlopsPerToken(int seqLen) {
        return 0;
    }

    void zeroGrads();

    /**
     * Runs the model on {@code tokens} (B, T) row-major and returns the mean cross-entropy over the positions
     * whose target is {@code >= 0} (a negative target contributes no loss).
     *
     * @param dropoutSeed dropout masks are a pure function of this seed and the position
     * @param segmentIds  (B, T) or null: several examples packed in a row, each attending only to itself (see
     *                    {@link ai.stratum.model.Decoder#forward(int[], int[], int, int, boolean, long, int[])})
     */
    float forward(int[] tokens, int[] targets, int batch, int seqLen, boolean training, long dropoutSeed,
                  int[] segmentIds);

    /** {@link #forward(int[], int[], int, int, boolean, long, int[])} with one segment per row. */
    default float forward(int[] tokens, int[] targets, int batch, int seqLen, boolean training, long dropoutSeed) {
        return forward(tokens, targets, batch, seqLen, training, dropoutSeed, null);
    }

    /**
     * Called by the trainer before each training micro-batch's forward with the optimizer step (0-based) and the
     * micro-step: where the micro-batch is in the run's stream (a distilled student reads its teacher's cached rows
     * by it). Nothing by default.
     */
    default void beforeMicroBatch(long step, int microStep) {
    }

    /**
     * Named parts of the last training forward's loss, in a fixed order (a distilled student's {@code loss_ce} and
     * {@code loss_kl}), logged beside the loss; none by default.
     */
    default java.util.Map<String, Double> lossParts() {
        return java.util.Map.of();
    }

    /** Backpropagates the last forward's loss times {@code lossScale}, adding into {@link #grads()}. */
    void backward(float lossScale);

    /**
     * Writes the weights of a checkpoint into {@code dir}: a {@link DecoderModel} its family's Hugging Face
     * directory, a {@link LoraModel} its PEFT adapter files.
     */
    void saveWeights(Path dir, int eosTokenId) throws IOException;

    /** Checks, without loading, that {@code dir} holds weights {@link #loadWeights} can read; names what is wrong. */
    default void validateWeights(Path dir) throws IOException {
        Checkpoints.validate(dir, layout());
    }

    /** Replaces {@link #params()} with the weights {@link #saveWeights} wrote into {@code dir}. */
    default void loadWeights(Path dir) throws IOException {
        Checkpoints.loadParams(dir, layout(), params());
    }

    @Override
    void close();
}
