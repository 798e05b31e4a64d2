package ai.stratum.model.nn;

import ai.stratum.model.StepProfile;
import ai.stratum.model.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A block's feed-forward branch, {@code proj(activation(fc(x)))}: {@link GeluMlp} (GPT-2) or {@link SwiGluMlp}
 * (Llama family). The two linears, their LoRA wrapping ({@link #setFc}, {@link #setProj}) and the order of the
 * passes live here; a subclass gives only the activation between them and fc's width.
 */
public abstract sealed class Mlp permits GeluMlp, SwiGluMlp {

    /** One layer's activations: fc's output (N, fcWidth) and the activation's (N, I). */
    public record Acts(Buffers buffers, INDArray fc, INDArray act) {
    }

    private LinearLayer fc;
    private LinearLayer proj;
    /** I: the activation's width (proj's input). */
    protected final int inner;
    protected final Kernels kernels;

    Mlp(Linear fc, Linear proj, int inner, Kernels kernels) {
        this.fc = fc;
        this.proj = proj;
        this.inner = inner;
        this.kernels = kernels;
    }

    /** fc's output width: I for GELU, 2 I for SwiGLU's gate and up rows. */
    abstract long fcWidth();

    /** act (N, I) = activation(fcOut (N, fcWidth)). */
    abstract void activationForward(INDArray act, INDArray fcOut);

    /** The gradient w.r.t. fc's output (N, fcWidth) from dact (N, I), which the activation may overwrite. */
    abstract INDArray activationBackward(Buffers b, INDArray dact, INDArray fcOut, int n);

    public final Acts acts(Buffers b, long maxRows) {
        return new Acts(b, b.alloc(maxRows * fcWidth()), b.alloc(maxRows * inner));
    }

    public final LinearLayer fc() {
        return fc;
    }

    public final LinearLayer proj() {
        return proj;
    }

    public final void setFc(LinearLayer l) {
        fc = l;
    }

    public final void setProj(LinearLayer l) {
        proj = l;
    }

    /** branch (N, C) = proj(activation(fc(x))) for x (N, C), the mlp-normed residual. */
    public final void forward(INDArray branch, INDArray x, Acts a, Pass p) {
        int n = (int) x.size(0);
        Buffers b = a.buffers();
        INDArray h = b.view(a.fc(), n, fcWidth());           // (N, fcWidth)
        fc.forward(h, x, p);
        p.lap(StepProfile.Kind.MLP_LINEAR, false);
        INDArray g = b.view(a.act(), n, inner);              // (N, I)
        activationForward(g, h);
        p.lap(StepProfile.Kind.ACTIVATION, false);
        proj.forward(branch, g, p);
        p.lap(StepProfile.Kind.MLP_LINEAR, false);
    }

    /** dx (N, C) = the gradient w.r.t. x (overwritten) from dbranch (N, C); the weights' gradients accumulate. */
    public final void backward(INDArray dx, INDArray dbranch, INDArray x, Acts a, Pass p) {
        int n = (int) x.size(0);
        Buffers b = a.buffers();
        INDArray dact = b.view(b.shared("mlp.dact", (long) n * inner), n, inner);   // (N, I)
        proj.backward(dact, dbranch, b.view(a.act(), n, inner), p);
        p.lap(StepProfile.Kind.MLP_LINEAR, true);
        INDArray dfc = activationBackward(b, dact, b.view(a.fc(), n, fcWidth()), n);  // (N, fcWidth)
        p.lap(StepProfile.Kind.ACTIVATION, true);
        fc.backward(dx, dfc, x, p);
        p.lap(StepProfile.Kind.MLP_LINEAR, true);
    }
}
