package ai.stratum.model.nn;

import ai.stratum.model.kernels.CpuKernels;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.kernels.Nd4jKernels;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedding of a RoPE model has no position table: the kernels get a null one and no position ids (the rows
 * are the token rows alone, the gradient the token rows' scatter), while learned positions are still added.
 */
class EmbeddingTest {

    private static final int[] IDS = {2, 0, 2, 4};
    private static final int[] POS = {0, 1, 2, 3};

    @Test
    void withoutLearnedPositionsTheRowsAreTheTokensAlone() {
        for (Kernels k : new Kernels[] {new CpuKernels(), new Nd4jKernels()}) {
            INDArray wte = LmHeadTest.random(1, 5, 3).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
            INDArray dwte = Nd4j.zeros(wte.dataType(), 5, 3);
            Embedding e = new Embedding(wte, dwte, null, null, k);
            assertFalse(e.learnedPositions());
            Pass pass = new Pass();
            pass.set(1, IDS.length, POS, null, 0, 0);
            INDArray out = Nd4j.zeros(wte.dataType(), IDS.length, 3);
            e.forward(out, IDS, null, pass); // no position ids needed
            for (int n = 0; n < IDS.length; n++) {
                assertEquals(wte.getRow(IDS[n]), out.getRow(n), k.getClass().getSimpleName() + " row " + n);
            }
            INDArray dout = LmHeadTest.random(2, IDS.length, 3).castTo(wte.dataType());
            e.backward(dout, IDS, null, pass);
            assertEquals(dout.getRow(0).add(dout.getRow(2)), dwte.getRow(2));
            assertEquals(dout.getRow(1), dwte.getRow(0));
            assertEquals(dout.getRow(3), dwte.getRow(4));
            assertEquals(0.0, dwte.getRow(1).amaxNumber().doubleValue() + dwte.getRow(3).amaxNumber().doubleValue());
        }
    }

    @Test
    void learnedPositionsAreAddedAndAGradientNeedsATable() {
        Kernels k = new CpuKernels();
        INDArray wte = LmHeadTest.random(1, 5, 3).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
        INDArray wpe = LmHeadTest.random(3, 4, 3).castTo(wte.dataType());
        Embedding e = new Embedding(wte, null, wpe, null, k);
        assertTrue(e.learnedPositions());
        Pass pass = new Pass();
        pass.set(1, IDS.length, POS, null, 0, 0);
        INDArray out = Nd4j.zeros(wte.dataType(), IDS.length, 3);
        e.forward(out, IDS, POS, pass);
        for (int n = 0; n < IDS.length; n++) {
            assertEquals(wte.getRow(IDS[n]).add(wpe.getRow(POS[n])), out.getRow(n), "row " + n);
        }
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> new Embedding(wte, wte.like(), null, wpe.like(), k));
        assertTrue(ex.getMessage().startsWith("dpositions:"), ex.getMessage());
    }
}
