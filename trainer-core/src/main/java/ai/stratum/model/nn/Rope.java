package ai.stratum.model.nn;

import ai.stratum.model.ModelConfig;
import ai.stratum.model.kernels.Kernels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Rotary position embedding in Hugging Face's rotate-half layout: the cos/sin tables (contextLength, headDim / 2)
 * are computed once from {@code rope_theta} and {@code rope_scaling} ({@code linear} or {@code llama3}, as
 * transformers' {@code modeling_rope_utils}), then the kernels rotate q and k in place.
 */
public final class Rope implements AutoCloseable {

    private final int headDim;
    private final INDArray cos;
    private final INDArray sin;
    private final Kernels kernels;

    public Rope(ModelConfig config, DataType dtype, Kernels kernels) {
        this.headDim = config.headDim();
        this.kernels = kernels;
        double[] invFreq = inverseFrequencies(config);
        int half = headDim / 2;
        int rows = config.contextLength();
        double[] c = new double[rows * half];
        double[] s = new double[rows * half];
        for (int p = 0; p < rows; p++) {
            for (int i = 0; i < half; i++) {
                // HF computes the angle in float32 (inv_freq @ position_ids); double here is at least as precise
                double angle = p * invFreq[i];
                c[p * half + i] = Math.cos(angle);
                s[p * half + i] = Math.sin(angle);
            }
        }
        this.cos = Nd4j.createFromArray(c).reshape(rows, half).castTo(dtype);
        this.sin = Nd4j.createFromArray(s).reshape(rows, half).castTo(dtype);
    }

    /**
     * {@code 1 / theta^(2i / headDim)} for i < headDim / 2, then scaled: {@code linear} divides by the factor;
     * {@code llama3} divides the low frequencies (wavelength above original_max / low_freq_factor) by the factor,
     * keeps the high ones (wavelength below original_max / high_freq_factor) and blends the band between.
     */
    public static double[] inverseFrequencies(ModelConfig config) {
        int hd = config.headDim();
        double[] inv = new double[hd / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(config.ropeTheta(), (2.0 * i) / hd);
        }
        ModelConfig.RopeScaling s = config.ropeScaling();
        if (s == null) {
            return inv;
        }
        if (s.type().equals("linear")) {
            for (int i = 0; i < inv.length; i++) {
                inv[i] /= s.factor();
            }
            return inv;
        }
        double old = s.originalMaxPositionEmbeddings();
        double lowWavelen = old / s.lowFreqFactor();
        double highWavelen = old / s.highFreqFactor();
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            if (wavelen > lowWavelen) {
                inv[i] /= s.factor();
            } else if (wavelen >= highWavelen) {
                double smooth = (old / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
                inv[i] = (1 - smooth) * inv[i] / s.factor() + smooth * inv[i];
            }
        }
        return inv;
    }

    /** Rotates x (N, nHeads * headDim) in place, row n by the angle of {@code positions[n]}. */
    public void forward(INDArray x, int nHeads, int[] positions) {
        kernels.ropeForward(x, nHeads, headDim, positions, cos, sin);
    }

    /** The gradient w.r.t. the rotated x becomes the gradient w.r.t. the unrotated x, in place. */
    public void backward(INDArray dx, int nHeads, int[] positions) {
        kernels.ropeBackward(dx, nHeads, headDim, positions, cos, sin);
    }

    @Override
    public void close() {
        cos.close();
        sin.close();
    }
}
