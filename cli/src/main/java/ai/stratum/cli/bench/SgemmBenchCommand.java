package ai.stratum.cli.bench;

import ai.stratum.train.metrics.SgemmProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code stratum bench sgemm}: the matmul peak every other benchmark and the trainer's MFU divide by. */
@Command(name = "sgemm", mixinStandardHelpOptions = true,
        description = "Measure the float32 matmul peak (Nd4j.gemm into a preallocated output).")
public final class SgemmBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--sizes", split = ",", paramLabel = "N", defaultValue = "256,512,1024,2048",
            description = "Square matrix sizes (default: ${DEFAULT-VALUE}).")
    int[] sizes;

    @Option(names = "--millis", defaultValue = "1000",
            description = "Time spent per size, in milliseconds (default: ${DEFAULT-VALUE}).")
    long millis;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        SgemmProbe.Result r = SgemmProbe.measure(sizes, millis);
        out.printf("%8s %8s %12s%n", "n", "reps", "GFLOP/s");
        for (SgemmProbe.Sample s : r.samples()) {
            out.printf("%8d %8d %12.1f%n", s.n(), s.repetitions(), s.bestGflops());
        }
        out.printf("peak: %.1f GFLOP/s%n", r.peakGflops());
        return 0;
    }
}
