package ai.stratum.cli.bench;

import ai.stratum.model.kernels.CpuKernels;
import ai.stratum.model.Decoder;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.kernels.Nd4jKernels;
import ai.stratum.model.StepProfile;
import ai.stratum.train.optim.AdamW;
import ai.stratum.train.metrics.SgemmProbe;
import ai.stratum.train.TrainConfig;
import ai.stratum.train.TrainableSet;
import ai.stratum.model.lora.LoraAdapters;
import ai.stratum.model.lora.LinearSite;
import ai.stratum.model.lora.LoraConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Times training steps of a decoder of any architecture (forward, backward, gradient clipping and AdamW over one
 * micro-batch) on random tokens, and reports them against the sgemm peak measured in the same process. With a LoRA
 * rank, the base is frozen as in LoRA fine-tuning (no gradient buffer, adapters on every linear projection) and
 * only the adapters train: the memory of a LoRA fine-tune of that architecture.
 */
public final class TrainBench {

    /** Which {@link Kernels} implementation runs the element-wise work. */
    public enum KernelChoice { AUTO, CPU, ND4J }

    /** @param loraRank 0 trains every weight; r > 0 trains rank-r adapters on a frozen base */
    public record Options(int warmupSteps, int steps, KernelChoice kernels, int loraRank) {
        public Options(int warmupSteps, int steps, KernelChoice kernels) {
            this(warmupSteps, steps, kernels, 0);
        }

        public Options {
            if (loraRank < 0) {
                throw new IllegalArgumentException("lora_rank: must be >= 0, got " + loraRank);
            }
            if (warmupSteps < 0) {
                throw new IllegalArgumentException("warmup: must be >= 0, got " + warmupSteps);
            }
            if (steps < 1) {
                throw new IllegalArgumentException("steps: must be >= 1, got " + steps);
            }
        }
    }

    /**
     * @param stepMillis          each timed step's wall time
     * @param flopsPerStep        6 x parameters x tokens (4 with a frozen LoRA base) plus attention
     *                            (12 x layers x B x T^2 x n_head x head_dim)
     * @param forwardMillis       mean forward time per step by layer kind
     * @param backwardMillis      mean backward time per step by layer kind
     * @param optimizerMillis     mean time per step of zeroing gradients, clipping and the AdamW update
     * @param heapBytesPerStep    Java heap allocated per step, all threads
     * @param offHeapGrowthPerStep growth per step of the native memory held through JavaCPP (ND4J's buffers)
     * @param peakRssBytes        the process's peak resident set (VmHWM), or -1 where /proc is not available
     */
    public record Result(ModelConfig model, int batch, int seqLen, String kernels, long parameters, long trainable,
                         double[] stepMillis, double flopsPerStep, double sgemmPeakGflops,
                         Map<StepProfile.Kind, Double> forwardMillis, Map<StepProfile.Kind, Double> backwardMillis,
                         double optimizerMillis, long heapBytesPerStep, long offHeapGrowthPerStep,
                         long paramBytes, long gradBytes, long momentBytes, long activationBytes, long peakRssBytes) {

        public double medianStepMillis() {
            double[] s = stepMillis.clone();
            Arrays.sort(s);
            return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }

        public double tokensPerSecond() {
            return batch * (double) seqLen / (medianStepMillis() / 1000);
        }

        public double gflops() {
            return flopsPerStep / (medianStepMillis() / 1000) / 1e9;
        }

        /** Achieved GFLOP/s as a fraction of the measured sgemm peak. */
        public double mfu() {
            return gflops() / sgemmPeakGflops;
        }
    }

    private TrainBench() {
    }

    public static Result run(TrainConfig config, Options options, PrintWriter progress) {
        ModelConfig model = config.model();
        int b = config.train().microBatchSize();
        int t = config.train().seqLen();
        DataType dtype = "float64".equals(config.train().dtype()) ? DataType.DOUBLE : DataType.FLOAT;
        Kernels kernels = switch (options.kernels()) {
            case AUTO -> Kernels.forCurrentBackend();
            case CPU -> new CpuKernels();
            case ND4J -> new Nd4jKernels();
        };
        SplittableRandom rng = new SplittableRandom(config.train().seed());
        boolean lora = options.loraRank() > 0;
        try (Decoder gpt = new Decoder(model, b, t, dtype, kernels, !lora)) {
            gpt.initWeights(config.train().seed());
            AdamW adamw;
            INDArray grads;
            if (lora) {
                List<String> targets = LinearSite.names(model);
                LoraAdapters adapters = new LoraAdapters(new LoraConfig(options.loraRank(), 2.0 * options.loraRank(),
                        0.0, targets), model, dtype, b * t);
                adapters.init(config.train().seed());
                adapters.attach(gpt, kernels);
                grads = adapters.grads();
                adamw = new AdamW(config.optim(), TrainableSet.all(adapters.layout()), adapters.params(), grads,
                        kernels);
            } else {
                grads = gpt.grads();
                adamw = new AdamW(config.optim(), TrainableSet.all(gpt.layout()), gpt.params(), grads, kernels);
            }
            StepProfile profile = new StepProfile();
            gpt.profile(profile);
            int total = options.warmupSteps() + options.steps();
            double[] stepMillis = new double[options.steps()];
            long optimizerNanos = 0;
            long heapBefore = 0;
            long offHeapBefore = 0;
            for (int step = 0; step < total; step++) {
                if (step == options.warmupSteps()) {
                    profile.reset();
                    optimizerNanos = 0;
                    heapBefore = heapAllocatedBytes();
                    offHeapBefore = org.bytedeco.javacpp.Pointer.totalBytes();
                }
                int[] tokens = rng.ints(b * t, 0, model.vocabSize()).toArray();
                int[] targets = rng.ints(b * t, 0, model.vocabSize()).toArray();
                long t0 = System.nanoTime();
                float loss = gpt.forward(tokens, targets, b, t, true, step);
                gpt.backward(1f);
                long t1 = System.nanoTime();
                adamw.clipGradients();
                adamw.step(config.optim().minLr());
                grads.assign(0.0);
                long t2 = System.nanoTime();
                if (step >= options.warmupSteps()) {
                    stepMillis[step - options.warmupSteps()] = (t2 - t0) / 1e6;
                    optimizerNanos += t2 - t1;
                }
                progress.printf("%s step %d/%d: %.1f ms, loss %.4f%n", step < options.warmupSteps() ? "warm-up" : "timed",
                        step + 1, total, (t2 - t0) / 1e6, loss);
                progress.flush();
            }
            long heapPerStep = (heapAllocatedBytes() - heapBefore) / options.steps();
            long offHeapPerStep = (org.bytedeco.javacpp.Pointer.totalBytes() - offHeapBefore) / options.steps();
            progress.println("measuring the sgemm peak ...");
            progress.flush();
            double peak = SgemmProbe.measure().peakGflops();
            long p = gpt.layout().size();
            long trainable = adamw.trainable().size();
            double flops = (lora ? 4.0 : 6.0) * p * b * t
                    + 12.0 * model.nLayer() * b * (double) t * t * model.nHead() * model.headDim();
            int width = dtype.width();
            return new Result(model, b, t, kernels.getClass().getSimpleName(), p, trainable, stepMillis, flops, peak,
                    perStep(profile.forwardNanos(), options.steps()), perStep(profile.backwardNanos(), options.steps()),
                    optimizerNanos / 1e6 / options.steps(), heapPerStep, offHeapPerStep, p * width,
                    trainable * width, 2 * trainable * width, gpt.activationBytes(), peakRss());
        }
    }

    private static Map<StepProfile.Kind, Double> perStep(Map<StepProfile.Kind, Long> nanos, int steps) {
        Map<StepProfile.Kind, Double> m = new EnumMap<>(StepProfile.Kind.class);
        nanos.forEach((k, v) -> m.put(k, v / 1e6 / steps));
        return m;
    }

    /** Bytes allocated on the Java heap so far by all live threads. */
    private static long heapAllocatedBytes() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        return Arrays.stream(threads.getThreadAllocatedBytes(threads.getAllThreadIds())).filter(x -> x > 0).sum();
    }

    private static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** The human-readable report printed by {@code stratum bench train}. */
    public static void print(Result r, PrintWriter out) {
        ModelConfig m = r.model();
        out.printf("model: vocab %d, d_model %d, %d layers, %d heads (%d kv, head_dim %d), %s, %s, %s positions, "
                        + "%s head, %,d parameters; batch %d x %d tokens; kernels %s%n",
                m.vocabSize(), m.dModel(), m.nLayer(), m.nHead(), m.nKvHead(), m.headDim(),
                m.norm().name().toLowerCase(java.util.Locale.ROOT), m.mlp().name().toLowerCase(java.util.Locale.ROOT),
                m.positions().name().toLowerCase(java.util.Locale.ROOT), m.tiedEmbeddings() ? "tied" : "untied",
                r.parameters(), r.batch(), r.seqLen(), r.kernels());
        out.printf("training: %s, %,d trainable parameters%n", r.trainable() == r.parameters() ? "every weight"
                : "LoRA adapters on a frozen base (no base gradients or moments)", r.trainable());
        out.printf("step: median %.1f ms over %d steps (min %.1f, max %.1f)%n", r.medianStepMillis(),
                r.stepMillis().length, Arrays.stream(r.stepMillis()).min().orElse(0),
                Arrays.stream(r.stepMillis()).max().orElse(0));
        out.printf("throughput: %,.0f tokens/s, %.1f GFLOP/s (%.2f GFLOP per step)%n", r.tokensPerSecond(), r.gflops(),
                r.flopsPerStep() / 1e9);
        out.printf("sgemm peak (same process): %.1f GFLOP/s; MFU %.1f%%%n", r.sgemmPeakGflops(), 100 * r.mfu());
        out.printf("memory: parameters %s, gradients %s, AdamW moments %s, activations %s; peak RSS %s%n",
                mib(r.paramBytes()), mib(r.gradBytes()), mib(r.momentBytes()), mib(r.activationBytes()),
                r.peakRssBytes() < 0 ? "n/a" : mib(r.peakRssBytes()));
        out.printf("allocation per step: %s Java heap, %s native growth%n", mib(r.heapBytesPerStep()),
                mib(r.offHeapGrowthPerStep()));
        out.printf("%-36s %10s %10s%n", "time per step by layer kind", "forward", "backward");
        for (StepProfile.Kind k : StepProfile.Kind.values()) {
            out.printf("  %-34s %8.1f ms %8.1f ms%n", k.label(), r.forwardMillis().get(k), r.backwardMillis().get(k));
        }
        out.printf("  %-34s %8.1f ms%n", "optimizer (clip, AdamW, zero grads)", r.optimizerMillis());
        out.flush();
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
