package ai.stratum.model.nn;

import ai.stratum.model.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code y (N, out) = x (N, in) W^T + b} with W {@code [out, in]} as {@code torch.nn.Linear} (and as
 * {@link ai.stratum.model.ModelConfig} lays every weight out). The gradients are null when the weight is frozen
 * (a LoRA base): the backward then computes only the input gradient.
 */
public final class Linear implements LinearLayer {

    private final String name;
    private final INDArray weight;
    private final INDArray bias;
    private final INDArray dweight;
    private final INDArray dbias;
    private final Kernels kernels;

    /**
     * @param name    the module's internal name, e.g. {@code layers.0.attn.qkv}
     * @param weight  [out, in]
     * @param bias    [out] or null
     * @param dweight [out, in] or null when frozen
     * @param dbias   [out] or null (no bias, or frozen)
     */
    public Linear(String name, INDArray weight, INDArray bias, INDArray dweight, INDArray dbias, Kernels kernels) {
        if (weight.rank() != 2) {
            throw new IllegalArgumentException(name + ": weight must be [out, in]");
        }
        this.name = name;
        this.weight = weight;
        this.bias = bias;
        this.dweight = dweight;
        this.dbias = dbias;
        this.kernels = kernels;
    }

    public String name() {
        return name;
    }

    public INDArray weight() {
        return weight;
    }

    public int in() {
        return (int) weight.size(1);
    }

    public int out() {
        return (int) weight.size(0);
    }

    public Kernels kernels() {
        return kernels;
    }

    @Override
    public Linear base() {
        return this;
    }

    @Override
    public void forward(INDArray out, INDArray x, Pass pass) {
        kernels.matmul(out, x, weight, false, true, 1.0, 0.0);      // out (N, out) = x (N, in) @ W^T
        if (bias != null) {
            kernels.addBias(out, bias);
        }
    }

    @Override
    public void backward(INDArray dx, INDArray dout, INDArray x, Pass pass) {
        if (dweight != null) {
            kernels.matmul(dweight, dout, x, true, false, 1.0, 1.0); // dW (out, in) += dout^T x
        }
        if (dbias != null) {
            kernels.biasGradient(dbias, dout);                       // db (out) += column sums of dout
        }
        kernels.matmul(dx, dout, weight, false, false, 1.0, 0.0);   // dx (N, in) = dout (N, out) @ W
    }
}
