package ai.stratum.cli.bench;

import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.train.DecoderModel;
import ai.stratum.train.TrainConfig;
import ai.stratum.train.TrainableSet;
import ai.stratum.train.distill.DistillModel;
import ai.stratum.train.distill.DistillationLoss;
import ai.stratum.train.optim.AdamW;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Times a distillation step against a plain step of the same student in one process, alternating them round by
 * round (the order flips every round, so drift in the machine's speed falls on both): forward, backward, clipping
 * and AdamW over one micro-batch of random tokens; the distillation step also runs the live teacher (random
 * weights of a preset's architecture with the student's vocabulary) and the KD loss in the student's chunked head.
 */
final class DistillBench {

    private DistillBench() {
    }

    static void run(TrainConfig config, ModelConfig teacherModel, int topK, int warmup, int steps,
                    PrintWriter progress, PrintWriter out) {
        ModelConfig model = config.model();
        int b = config.train().microBatchSize();
        int t = config.train().seqLen();
        Kernels kernels = Kernels.forCurrentBackend();
        SplittableRandom rng = new SplittableRandom(config.train().seed());
        double[] plain = new double[steps];
        double[] kd = new double[steps];
        Decoder student = new Decoder(model, b, t, DataType.FLOAT, kernels, true);
        Decoder teacher = new Decoder(teacherModel, b, t, DataType.FLOAT, kernels, false);
        try (DistillModel distill = DistillModel.live(new DecoderModel(student), teacher,
                new DistillationLoss(2.0, 0.5), topK, 1, b, t, 0)) {
            student.initWeights(config.train().seed());
            teacher.initWeights(config.train().seed() + 1);
            AdamW adamw = new AdamW(config.optim(), TrainableSet.all(student.layout()), student.params(),
                    student.grads(), kernels);
            for (int round = 0; round < warmup + steps; round++) {
                int[] tokens = rng.ints(b * t, 0, model.vocabSize()).toArray();
                int[] targets = rng.ints(b * t, 0, model.vocabSize()).toArray();
                double p = 0;
                double d = 0;
                for (int k = 0; k < 2; k++) {
                    boolean distilled = (k == 0) == (round % 2 == 0);
                    long t0 = System.nanoTime();
                    if (distilled) {
                        distill.forward(tokens, targets, b, t, true, round, null);
                        distill.backward(1f);
                    } else {
                        student.setLoss(null);
                        student.forward(tokens, targets, b, t, true, round);
                        student.backward(1f);
                    }
                    adamw.clipGradients();
                    adamw.step(config.optim().minLr());
                    student.zeroGrads();
                    double ms = (System.nanoTime() - t0) / 1e6;
                    if (distilled) {
                        d = ms;
                    } else {
                        p = ms;
                    }
                }
                if (round >= warmup) {
                    plain[round - warmup] = p;
                    kd[round - warmup] = d;
                }
                progress.printf("%s round %d/%d: plain %.1f ms, distill %.1f ms%n", round < warmup ? "warm-up" : "timed",
                        round + 1, warmup + steps, p, d);
                progress.flush();
            }
        }
        double mp = median(plain);
        double md = median(kd);
        out.printf("student: vocab %d, d_model %d, %d layers; teacher: d_model %d, %d layers (%s); batch %d x %d; "
                        + "%s teacher%n", model.vocabSize(), model.dModel(), model.nLayer(), teacherModel.dModel(),
                teacherModel.nLayer(), teacherModel.mlp().name().toLowerCase(java.util.Locale.ROOT), b, t,
                topK == 0 ? "dense" : "top-" + topK);
        out.printf("plain step:   median %.1f ms, %,.0f tokens/s%n", mp, b * t / (mp / 1000));
        out.printf("distill step: median %.1f ms, %,.0f tokens/s (teacher forward + KD loss in the head)%n", md,
                b * t / (md / 1000));
        out.printf("distill / plain step time: %.2fx over %d alternating rounds%n", md / mp, steps);
        out.flush();
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
