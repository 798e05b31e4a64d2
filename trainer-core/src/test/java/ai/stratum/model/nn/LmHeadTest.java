package ai.stratum.model.nn;

import ai.stratum.model.kernels.CpuKernels;
import ai.stratum.model.kernels.Kernels;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The LM head in row chunks computes what it computes in one piece, without keeping the (N, V) logits. */
class LmHeadTest {

    static INDArray random(long seed, long rows, long cols) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] v = new double[(int) (rows * cols)];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextDouble(-1, 1);
        }
        return Nd4j.createFromArray(v).reshape(rows, cols);
    }

    @Test
    void chunkedLossAndGradientsEqualTheWholeOnes() {
        int n = 11;
        int c = 6;
        int v = 17;
        Kernels k = new CpuKernels();
        INDArray x = random(1, n, c);
        INDArray w = random(2, v, c);
        int[] targets = new SplittableRandom(3).ints(n, -1, v).toArray();
        Pass pass = new Pass();
        pass.set(1, n, new int[n], null, 0, 0);
        double[] loss = new double[2];
        INDArray[] dx = new INDArray[2];
        INDArray[] dw = new INDArray[2];
        int[] chunks = {n, 4};
        for (int i = 0; i < 2; i++) {
            try (Buffers b = new Buffers(DataType.DOUBLE)) {
                dw[i] = Nd4j.zeros(DataType.DOUBLE, v, c);
                LmHead head = new LmHead(w, dw[i], chunks[i], k, b);
                loss[i] = head.forward(x, targets, pass);
                dx[i] = Nd4j.zeros(DataType.DOUBLE, n, c);
                head.backward(dx[i], x, targets, 0.5, pass);
                if (i == 1) {
                    assertThrows(IllegalStateException.class, head::logits, "chunked logits are not kept");
                }
            }
        }
        assertEquals(loss[0], loss[1], 1e-12);
        assertTrue(loss[0] > 0);
        assertEquals(0.0, dx[0].sub(dx[1]).amaxNumber().doubleValue(), 1e-12);
        assertEquals(0.0, dw[0].sub(dw[1]).amaxNumber().doubleValue(), 1e-12);
        assertTrue(dw[0].amaxNumber().doubleValue() > 0);
    }
}
