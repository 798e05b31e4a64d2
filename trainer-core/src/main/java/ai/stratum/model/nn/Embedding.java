package ai.stratum.model.nn;

import ai.stratum.model.StepProfile;
import ai.stratum.model.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Token embedding, plus learned positions when the model has them (GPT-2's wpe). Without learned positions (RoPE
 * models, whose positions enter in attention) the kernels get a null position table and read no position ids.
 */
public final class Embedding {

    private final INDArray tokens;
    private final INDArray dtokens;
    private final INDArray positions;
    private final INDArray dpositions;
    private final Kernels kernels;

    /**
     * @param tokens     [V, C]
     * @param dtokens    [V, C] or null when frozen
     * @param positions  [contextLength, C] or null without learned positions
     * @param dpositions [contextLength, C] or null (frozen, or no learned positions)
     */
    public Embedding(INDArray tokens, INDArray dtokens, INDArray positions, INDArray dpositions, Kernels kernels) {
        if (positions == null && dpositions != null) {
            throw new IllegalArgumentException("dpositions: a position gradient needs a position table");
        }
        this.tokens = tokens;
        this.dtokens = dtokens;
        this.positions = positions;
        this.dpositions = dpositions;
        this.kernels = kernels;
    }

    /** Whether the model adds learned position rows (else {@code pos} is not read). */
    public boolean learnedPositions() {
        return positions != null;
    }

    /** out (N, C) = tok[ids[n]] (+ pos[positions[n]] with learned positions). */
    public void forward(INDArray out, int[] ids, int[] pos, Pass p) {
        kernels.embeddingForward(out, ids, positions == null ? null : pos, tokens, positions);
        p.lap(StepProfile.Kind.EMBEDDING, false);
    }

    /** The tables' gradients += the rows of dout (N, C) scattered by token (and position); nothing when frozen. */
    public void backward(INDArray dout, int[] ids, int[] pos, Pass p) {
        if (dtokens == null) {
            return;
        }
        kernels.embeddingBackward(dtokens, dpositions, dout, ids, dpositions == null ? null : pos);
        p.lap(StepProfile.Kind.EMBEDDING, true);
    }
}
