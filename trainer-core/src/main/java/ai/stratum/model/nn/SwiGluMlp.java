package ai.stratum.model.nn;

import ai.stratum.model.StepProfile;
import ai.stratum.model.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Llama family's MLP: {@code proj(silu(gate(x)) * up(x))}, gate and up fused into one fc [2 I, C] (gate rows
 * first, then up rows), proj [C, I].
 */
public final class SwiGluMlp implements Mlp {

    private LinearLayer fc;
    private LinearLayer proj;
    private final int inner;
    private final Kernels kernels;

    public SwiGluMlp(Linear fc, Linear proj, Kernels kernels) {
        if (fc.out() % 2 != 0) {
            throw new IllegalArgumentException(fc.name() + ": a SwiGLU fc needs gate and up rows, got " + fc.out());
        }
        this.fc = fc;
        this.proj = proj;
        this.inner = fc.out() / 2;
        this.kernels = kernels;
    }

    @Override
    public Acts acts(Buffers b, long maxRows) {
        return new Acts(b, b.alloc(maxRows * 2 * inner), b.alloc(maxRows * inner));
    }

    @Override
    public LinearLayer fc() {
        return fc;
    }

    @Override
    public LinearLayer proj() {
        return proj;
    }

    @Override
    public void setFc(LinearLayer l) {
        fc = l;
    }

    @Override
    public void setProj(LinearLayer l) {
        proj = l;
    }

    @Override
    public void forward(INDArray branch, INDArray x, Acts a, Pass p) {
        int n = (int) x.size(0);
        Buffers b = a.buffers();
        INDArray gateUp = b.view(a.fc(), n, 2L * inner);   // (N, 2I)
        fc.forward(gateUp, x, p);
        p.lap(StepProfile.Kind.MLP_LINEAR, false);
        INDArray h = b.view(a.act(), n, inner);             // (N, I)
        kernels.swigluForward(h, gateUp);
        p.lap(StepProfile.Kind.ACTIVATION, false);
        proj.forward(branch, h, p);
        p.lap(StepProfile.Kind.MLP_LINEAR, false);
    }

    @Override
    public void backward(INDArray dx, INDArray dbranch, INDArray x, Acts a, Pass p) {
        int n = (int) x.size(0);
        Buffers b = a.buffers();
        INDArray dh = b.view(b.shared("mlp.dact", (long) n * inner), n, inner);
        proj.backward(dh, dbranch, b.view(a.act(), n, inner), p);
        p.lap(StepProfile.Kind.MLP_LINEAR, true);
        INDArray dGateUp = b.view(b.shared("mlp.dfc", 2L * n * inner), n, 2L * inner);
        kernels.swigluBackward(dGateUp, dh, b.view(a.fc(), n, 2L * inner));
        p.lap(StepProfile.Kind.ACTIVATION, true);
        fc.backward(dx, dGateUp, x, p);
        p.lap(StepProfile.Kind.MLP_LINEAR, true);
    }
}
