package ai.stratum.model.nn;

import ai.stratum.model.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * GPT-2's LayerNorm: {@code (x - mean) * rstd * weight + bias} with {@code rstd = 1 / sqrt(var + eps)}. When frozen,
 * the weight and bias gradients go to a scratch row that nothing reads.
 */
public final class LayerNorm implements Norm {

    private final INDArray weight;
    private final INDArray bias;
    private final INDArray dweight;
    private final INDArray dbias;
    private final double eps;
    private final Kernels kernels;

    /** @param dweight, dbias [C] or null when frozen */
    public LayerNorm(INDArray weight, INDArray bias, INDArray dweight, INDArray dbias, double eps, Kernels kernels,
                     Buffers buffers) {
        this.weight = weight;
        this.bias = bias;
        long c = weight.length();
        this.dweight = dweight != null ? dweight : buffers.view(buffers.shared("frozen.norm.dweight", c), c);
        this.dbias = dbias != null ? dbias : buffers.view(buffers.shared("frozen.norm.dbias", c), c);
        this.eps = eps;
        this.kernels = kernels;
    }

    @Override
    public Stats stats(Buffers b, long maxRows) {
        return new Stats(b, b.alloc(maxRows), b.alloc(maxRows));
    }

    @Override
    public void forward(INDArray out, INDArray x, Stats stats) {
        long n = x.size(0);
        kernels.layerNormForward(out, stats.mean(n), stats.rstd(n), x, weight, bias,
                eps);
    }

    @Override
    public void backward(INDArray dx, INDArray dout, INDArray x, Stats stats) {
        long n = x.size(0);
        kernels.layerNormBackward(dx, dweight, dbias, dout, x, weight, stats.mean(n),
                stats.rstd(n));
    }
}
