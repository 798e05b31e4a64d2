package ai.stratum.model.nn;

import ai.stratum.model.StepProfile;
import ai.stratum.model.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Token embedding, plus learned positions when the model has them (GPT-2's wpe). Without learned positions (RoPE
 * models) the kernel's position table is a single zero row that every row looks up, so one kernel serves both.
 */
public final class Embedding implements AutoCloseable {

    private final INDArray tokens;
    private final INDArray dtokens;
    private final INDArray positions;
    private final INDArray dpositions;
    private final boolean learnedPositions;
    private final Kernels kernels;
    private int[] zeros = new int[0];

    /**
     * @param tokens     [V, C]
     * @param dtokens    [V, C] or null when frozen
     * @param positions  [contextLength, C] or null without learned positions
     * @param dpositions [contextLength, C] or null (frozen, or no learned positions)
     */
    public Embedding(INDArray tokens, INDArray dtokens, INDArray positions, INDArray dpositions, Kernels kernels) {
        this.tokens = tokens;
        this.dtokens = dtokens;
        this.learnedPositions = positions != null;
        this.positions = learnedPositions ? positions : Nd4j.zeros(tokens.dataType(), 1, tokens.size(1));
        this.dpositions = learnedPositions ? dpositions : Nd4j.zeros(tokens.dataType(), 1, tokens.size(1));
        this.kernels = kernels;
    }

    private int[] positionIndex(int[] pos, int n) {
        if (learnedPositions) {
            return pos;
        }
        if (zeros.length < n) {
            zeros = new int[n];
        }
        return zeros.length == n ? zeros : java.util.Arrays.copyOf(zeros, n);
    }

    /** out (N, C) = tok[ids[n]] (+ pos[positions[n]]). */
    public void forward(INDArray out, int[] ids, int[] pos, Pass p) {
        kernels.embeddingForward(out, ids, positionIndex(pos, ids.length), tokens, positions);
        p.lap(StepProfile.Kind.EMBEDDING, false);
    }

    /** The tables' gradients += the rows of dout (N, C) scattered by token (and position); nothing when frozen. */
    public void backward(INDArray dout, int[] ids, int[] pos, Pass p) {
        if (dtokens == null) {
            return;
        }
        kernels.embeddingBackward(dtokens, dpositions, dout, ids, positionIndex(pos, ids.length));
        p.lap(StepProfile.Kind.EMBEDDING, true);
    }

    @Override
    public void close() {
        if (!learnedPositions) {
            positions.close();
            dpositions.close();
        }
    }
}
