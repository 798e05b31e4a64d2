package ai.stratum.model.nn;

import ai.stratum.model.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Llama family's MLP: {@code proj(silu(gate(x)) * up(x))}, gate and up fused into one fc [2 I, C] (gate rows
 * first, then up rows), proj [C, I].
 */
public final class SwiGluMlp extends Mlp {

    public SwiGluMlp(Linear fc, Linear proj, Kernels kernels) {
        super(fc, proj, checkedInner(fc), kernels);
    }

    private static int checkedInner(Linear fc) {
        if (fc.out() % 2 != 0) {
            throw new IllegalArgumentException(fc.name() + ": a SwiGLU fc needs gate and up rows, got " + fc.out());
        }
        return fc.out() / 2;
    }

    @Override
    long fcWidth() {
        return 2L * inner;
    }

    @Override
    void activationForward(INDArray act, INDArray fcOut) {
        kernels.swigluForward(act, fcOut);
    }

    @Override
    INDArray activationBackward(Buffers b, INDArray dact, INDArray fcOut, int n) {
        INDArray dGateUp = b.view(b.shared("mlp.dfc", 2L * n * inner), n, 2L * inner);   // (N, 2I)
        kernels.swigluBackward(dGateUp, dact, fcOut);
        return dGateUp;
    }
}
