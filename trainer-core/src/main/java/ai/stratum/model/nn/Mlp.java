package ai.stratum.model.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/** A block's feed-forward branch: {@link GeluMlp} (GPT-2) or {@link SwiGluMlp} (Llama family). */
public interface Mlp {

    /** One layer's activations: fc's output (N, fcWidth) and the activation's (N, I). */
    record Acts(Buffers buffers, INDArray fc, INDArray act) {
    }

    Acts acts(Buffers b, long maxRows);

    LinearLayer fc();

    LinearLayer proj();

    void setFc(LinearLayer l);

    void setProj(LinearLayer l);

    /** branch (N, C) = proj(activation(fc(x))) for x (N, C), the mlp-normed residual. */
    void forward(INDArray branch, INDArray x, Acts a, Pass p);

    /** dx (N, C) = the gradient w.r.t. x (overwritten) from dbranch (N, C); the weights' gradients accumulate. */
    void backward(INDArray dx, INDArray dbranch, INDArray x, Acts a, Pass p);
}
