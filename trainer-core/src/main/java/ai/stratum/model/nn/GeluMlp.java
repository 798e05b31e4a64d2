package ai.stratum.model.nn;

import ai.stratum.model.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/** GPT-2's MLP: {@code proj(gelu_tanh(fc(x)))} with fc [I, C] and proj [C, I]. */
public final class GeluMlp extends Mlp {

    public GeluMlp(Linear fc, Linear proj, Kernels kernels) {
        super(fc, proj, fc.out(), kernels);
    }

    @Override
    long fcWidth() {
        return inner;
    }

    @Override
    void activationForward(INDArray act, INDArray fcOut) {
        kernels.geluForward(act, fcOut);
    }

    @Override
    INDArray activationBackward(Buffers b, INDArray dact, INDArray fcOut, int n) {
        kernels.geluBackward(dact, dact, fcOut);   // in place: same width on both sides
        return dact;
    }
}
