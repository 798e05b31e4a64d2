package ai.stratum.train.metrics;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Measures this machine's single-precision matmul peak the way the trainer uses matmuls: {@code Nd4j.gemm}
 * into a preallocated output. Every benchmark and the trainer's MFU report utilization against this number,
 * measured in the same process.
 */
public final class SgemmProbe {

    /** One measured size: {@code n x n} times {@code n x n}, the best GFLOP/s over the repetitions. */
    public record Sample(int n, int repetitions, double bestGflops) {
    }

    /** All samples and the peak among them. */
    public record Result(List<Sample> samples, double peakGflops) {
    }

    private SgemmProbe() {
    }

    /**
     * Runs square sgemms of the given sizes, each for about {@code millisPerSize} after one warm-up call, and
     * returns the best rate seen.
     */
    public static Result measure(int[] sizes, long millisPerSize) {
        List<Sample> samples = new ArrayList<>();
        double peak = 0;
        for (int n : sizes) {
            if (n < 1) {
                throw new IllegalArgumentException("size: must be >= 1, got " + n);
            }
            INDArray a = Nd4j.rand(DataType.FLOAT, n, n).subi(0.5);
            INDArray b = Nd4j.rand(DataType.FLOAT, n, n).subi(0.5);
            INDArray c = Nd4j.zeros(DataType.FLOAT, n, n);
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            double flops = 2.0 * n * n * (double) n;
            double best = 0;
            int reps = 0;
            long deadline = System.nanoTime() + millisPerSize * 1_000_000L;
            do {
                long t0 = System.nanoTime();
                Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
                long dt = Math.max(1, System.nanoTime() - t0);
                best = Math.max(best, flops / dt);
                reps++;
            } while (System.nanoTime() < deadline || reps < 3);
            samples.add(new Sample(n, reps, best));
            peak = Math.max(peak, best);
            a.close();
            b.close();
            c.close();
        }
        return new Result(samples, peak);
    }

    /** The default probe: a few transformer-sized squares, about a second in all. */
    public static Result measure() {
        return measure(new int[] {256, 512, 1024}, 300);
    }
}
