package ai.stratum.model.nn;

import ai.stratum.model.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Llama's RMSNorm: {@code x * rstd * weight} with {@code rstd = 1 / sqrt(mean(x^2) + eps)}, accumulated in at least
 * float32 as Hugging Face's upcast does. Also Qwen3's per-head q/k norm (rows of one head, width head_dim). When
 * frozen, the weight gradient goes to a scratch row that nothing reads.
 */
public final class RmsNorm implements Norm {

    private final INDArray weight;
    private final INDArray dweight;
    private final double eps;
    private final Kernels kernels;

    /** @param dweight [C] or null when frozen */
    public RmsNorm(INDArray weight, INDArray dweight, double eps, Kernels kernels, Buffers buffers) {
        this.weight = weight;
        long c = weight.length();
        this.dweight = dweight != null ? dweight : buffers.view(buffers.shared("frozen.norm.dweight", c), c);
        this.eps = eps;
        this.kernels = kernels;
    }

    @Override
    public Stats stats(Buffers b, long maxRows) {
        return new Stats(b, null, b.alloc(maxRows));
    }

    @Override
    public void forward(INDArray out, INDArray x, Stats stats) {
        kernels.rmsNormForward(out, stats.rstd(x.size(0)), x, weight, eps);
    }

    @Override
    public void backward(INDArray dx, INDArray dout, INDArray x, Stats stats) {
        kernels.rmsNormBackward(dx, dweight, dout, x, weight, stats.rstd(x.size(0)));
    }
}
