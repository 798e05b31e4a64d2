package ai.stratum.model.nn;

import ai.stratum.model.StepProfile;
import ai.stratum.model.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/** GPT-2's MLP: {@code proj(gelu_tanh(fc(x)))} with fc [I, C] and proj [C, I]. */
public final class GeluMlp implements Mlp {

    private LinearLayer fc;
    private LinearLayer proj;
    private final int inner;
    private final Kernels kernels;

    public GeluMlp(Linear fc, Linear proj, Kernels kernels) {
        this.fc = fc;
        this.proj = proj;
        this.inner = fc.out();
        this.kernels = kernels;
    }

    @Override
    public Acts acts(Buffers b, long maxRows) {
        return new Acts(b, b.alloc(maxRows * inner), b.alloc(maxRows * inner));
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
        INDArray h = b.view(a.fc(), n, inner);             // (N, I)
        fc.forward(h, x, p);
        p.lap(StepProfile.Kind.MLP_LINEAR, false);
        INDArray g = b.view(a.act(), n, inner);            // (N, I)
        kernels.geluForward(g, h);
        p.lap(StepProfile.Kind.ACTIVATION, false);
        proj.forward(branch, g, p);
        p.lap(StepProfile.Kind.MLP_LINEAR, false);
    }

    @Override
    public void backward(INDArray dx, INDArray dbranch, INDArray x, Acts a, Pass p) {
        int n = (int) x.size(0);
        Buffers b = a.buffers();
        INDArray dh = b.view(b.shared("mlp.dact", (long) n * inner), n, inner);
        proj.backward(dh, dbranch, b.view(a.act(), n, inner), p);
        p.lap(StepProfile.Kind.MLP_LINEAR, true);
        kernels.geluBackward(dh, dh, b.view(a.fc(), n, inner));
        p.lap(StepProfile.Kind.ACTIVATION, true);
        fc.backward(dx, dh, x, p);
        p.lap(StepProfile.Kind.MLP_LINEAR, true);
    }
}
