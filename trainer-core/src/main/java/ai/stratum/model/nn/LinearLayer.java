package ai.stratum.model.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A linear map {@code out (N, out) = x (N, in) W^T + b}: a plain {@link Linear}, or one wrapped with low-rank
 * adapters ({@code ai.stratum.model.lora.LoraLinear}).
 */
public interface LinearLayer {

    /** The plain layer underneath (itself for a {@link Linear}). */
    Linear base();

    /** out (N, out) = x (N, in) W^T + b (overwritten). */
    void forward(INDArray out, INDArray x, Pass pass);

    /** dx (N, in) = dout W (overwritten); the weight's gradients (+=) unless frozen. {@code x} is the forward's. */
    void backward(INDArray dx, INDArray dout, INDArray x, Pass pass);
}
