package ai.stratum.train.distill;

import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.TensorSpec;
import ai.stratum.model.kernels.Nd4jKernels;
import ai.stratum.train.DecoderModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Distillation inside the student's chunked LM head: gradients of the whole student against finite differences
 * (dense and top-k teachers, masked rows, several head chunks and teacher blocks that do not line up), the
 * chunked head equal to the whole one and to the loss computed from full logits, and a cached teacher equal to
 * the live one.
 */
class DistillModelTest {

    private static final int B = 2;
    private static final int T = 7;
    private static final ModelConfig STUDENT = ModelConfig.gpt2(13, 8, 1, 2, 8, 0.0);
    /** A wider Llama-family teacher: only the vocabulary is shared. */
    private static final ModelConfig TEACHER = ModelConfig.llama(13, 8, 1, 2, 1, 12, 20, 1e-5, 10000, false);
    private static final int[] TOKENS = {1, 5, 9, 2, 2, 11, 0, 7, 3, 12, 4, 4, 8, 6};
    private static final int[] TARGETS = {5, 9, -1, 2, 11, 0, 7, -1, -1, 4, 4, 8, 6, 10};

    @TempDir
    Path tmp;

    /** Healthy-size random weights (as DecoderTest), so every gradient is above finite-difference noise. */
    private static void randomize(Decoder d, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (TensorSpec t : d.layout().tensors()) {
            double[] v = new double[(int) t.length()];
            boolean norm = t.name().endsWith("norm.weight");
            for (int i = 0; i < v.length; i++) {
                v[i] = (norm ? 1.0 : 0.0) + 0.4 * (2 * rng.nextDouble() - 1);
            }
            d.param(t.name()).assign(Nd4j.createFromArray(v).reshape(t.shape()).castTo(d.dataType()));
        }
    }

    private static Decoder student(int chunkRows) {
        Decoder d = new Decoder(STUDENT, B, T, DataType.DOUBLE, new Nd4jKernels(), true, chunkRows);
        randomize(d, 1);
        return d;
    }

    private static Decoder teacher() {
        Decoder d = new Decoder(TEACHER, B, T, DataType.FLOAT, new Nd4jKernels(), false);
        randomize(d, 2);
        return d;
    }

    private static double lossOf(DistillModel m) {
        m.forward(TOKENS, TARGETS, B, T, true, 0, null);
        DistillationLoss.Sums s = m.lastSums();
        return s.loss() / s.rows();
    }

    @Test
    void gradientsOfTheWholeStudentMatchFiniteDifferencesForDenseAndTopKTeachers() {
        for (int topK : new int[] {0, 5}) {
            try (DistillModel m = DistillModel.live(new DecoderModel(student(4)), teacher(),
                    new DistillationLoss(2.0, 0.3), topK, 1, B, T, 5)) {
                m.zeroGrads();
                m.forward(TOKENS, TARGETS, B, T, true, 0, null);
                assertEquals(11, m.lastSums().rows(), "masked rows are not counted");
                m.backward(1f);
                INDArray analytic = m.grads().dup();
                INDArray params = m.params();
                SplittableRandom pick = new SplittableRandom(4);
                double eps = 1e-5;
                double worstOverall = 0;
                List<String> report = new ArrayList<>();
                for (TensorSpec spec : m.layout().tensors()) {
                    double worst = 0;
                    int checks = (int) Math.min(spec.length(), 3);
                    for (int c = 0; c < checks; c++) {
                        long i = spec.offset() + (checks == spec.length() ? c : pick.nextLong(spec.length()));
                        double orig = params.getDouble(i);
                        params.putScalar(i, orig + eps);
                        double plus = lossOf(m);
                        params.putScalar(i, orig - eps);
                        double minus = lossOf(m);
                        params.putScalar(i, orig);
                        double numeric = (plus - minus) / (2 * eps);
                        double a = analytic.getDouble(i);
                        worst = Math.max(worst, Math.abs(a - numeric) / Math.max(Math.abs(a) + Math.abs(numeric), 1e-4));
                    }
                    report.add(spec.name() + "=" + String.format("%.1e", worst));
                    worstOverall = Math.max(worstOverall, worst);
                }
                assertTrue(worstOverall < 1e-5, "top_k " + topK + ": max relative error per tensor: " + report);
            }
        }
    }

    @Test
    void chunkedHeadEqualsTheWholeHeadAndTheLossOfTheFullLogits() {
        for (int topK : new int[] {0, 4}) {
            DistillationLoss loss = new DistillationLoss(1.5, 0.4);
            double[] losses = new double[2];
            INDArray[] grads = new INDArray[2];
            int[][] shapes = {{3, 5}, {B * T, B * T}};
            for (int v = 0; v < 2; v++) {
                try (DistillModel m = DistillModel.live(new DecoderModel(student(shapes[v][0])), teacher(), loss, topK,
                        1, B, T, shapes[v][1])) {
                    m.zeroGrads();
                    losses[v] = m.forward(TOKENS, TARGETS, B, T, true, 0, null);
                    m.backward(1f);
                    grads[v] = m.grads().dup();
                    DistillationLoss.Sums s = m.lastSums();
                    if (v == 1) {
                        // the reference: the loss of the whole (N, V) logits of both models in one call
                        try (Decoder st = student(0); Decoder te = teacher()) {
                            st.forward(TOKENS, null, B, T, false, 0);
                            te.forward(TOKENS, null, B, T, false, 0);
                            double[] z = st.logits().dup().data().asDouble();
                            float[] t = te.logits().dup().data().asFloat();
                            DistillationLoss.Teacher teacher = topK == 0 ? new DistillationLoss.Dense(t)
                                    : DistillationLoss.topK(t, B * T, 13, topK);
                            DistillationLoss.Sums ref = loss.forwardBackward(new double[z.length], z, B * T, 13,
                                    TARGETS, teacher);
                            assertEquals(ref.loss(), s.loss(), 1e-6 * ref.loss());
                            assertEquals(ref.crossEntropy(), s.crossEntropy(), 1e-12 * ref.crossEntropy());
                            assertEquals(ref.kl(), s.kl(), 1e-6 * ref.kl());
                        }
                    }
                }
            }
            assertEquals(losses[1], losses[0], 1e-6);
            // the float teacher's logits of a 5-row block and of the whole 14 rows may round differently (gemm)
            double diff = grads[0].sub(grads[1]).amaxNumber().doubleValue()
                    / grads[1].amaxNumber().doubleValue();
            assertTrue(diff < 1e-6, "top_k " + topK + ": chunked vs whole gradients differ by " + diff + " relative");
        }
    }

    @Test
    void aCachedTeacherEqualsTheLiveTopKTeacherAndRefusesOtherTokens() throws IOException {
        DistillationLoss loss = new DistillationLoss(2.0, 0.5);
        int k = 6;
        INDArray liveGrads;
        float liveLoss;
        try (DistillModel m = DistillModel.live(new DecoderModel(student(4)), teacher(), loss, k, 1, B, T, 5)) {
            m.zeroGrads();
            liveLoss = m.forward(TOKENS, TARGETS, B, T, true, 0, null);
            m.backward(1f);
            liveGrads = m.grads().dup();
        }
        // the cache pass's way: the live teacher's blocks of top-k, one block file per micro-batch
        Path dir = tmp.resolve("cache");
        java.nio.file.Files.createDirectories(dir);
        long firstRow = 3L * B * T; // step 3 of a run with one micro-batch per step
        try (LiveTeacher live = new LiveTeacher(teacher(), k, 5)) {
            live.begin(firstRow, TOKENS, B, T, null);
            int[] ids = new int[B * T * k];
            float[] logits = new float[B * T * k];
            for (int r0 = 0; r0 < B * T; r0 += 5) {
                int r = Math.min(5, B * T - r0);
                DistillationLoss.TopK rows = (DistillationLoss.TopK) live.rows(r0, r);
                System.arraycopy(rows.ids(), 0, ids, r0 * k, r * k);
                System.arraycopy(rows.logits(), 0, logits, r0 * k, r * k);
            }
            TeacherCache.write(TeacherCache.blockFile(dir, firstRow), new TeacherCache.Block(13, firstRow,
                    new DistillationLoss.TopK(k, ids, logits), TeacherCache.tokenChecksum(TOKENS, null)));
        }
        try (DistillModel m = DistillModel.cached(new DecoderModel(student(4)), dir, loss, k, 1, B, T, 5)) {
            m.beforeMicroBatch(3, 0);
            m.zeroGrads();
            assertEquals(liveLoss, m.forward(TOKENS, TARGETS, B, T, true, 0, null));
            m.backward(1f);
            assertEquals(0.0, m.grads().sub(liveGrads).amaxNumber().doubleValue(), "cached = live, exactly");
            int[] other = TOKENS.clone();
            other[0] = 2;
            var e = assertThrows(java.io.UncheckedIOException.class,
                    () -> m.forward(other, TARGETS, B, T, true, 0, null));
            assertTrue(e.getMessage().contains("other tokens"), e.getMessage());
            m.beforeMicroBatch(4, 0);
            e = assertThrows(java.io.UncheckedIOException.class, () -> m.forward(TOKENS, TARGETS, B, T, true, 0, null));
            assertTrue(e.getMessage().contains("rows-"), e.getMessage());
        }
    }

    @Test
    void mfuCountsALiveTeachersForwardAndNotACachedOne() throws IOException {
        long teacherParams = ai.stratum.model.ParameterLayout.decoder(TEACHER).size();
        try (DistillModel m = DistillModel.live(new DecoderModel(student(4)), teacher(), new DistillationLoss(2, 0.5),
                0, 1, B, T, 5)) {
            // 2 N + 4 L C T: the forward third of PaLM's 6 N + 12 L C T
            assertEquals(2.0 * teacherParams + 4.0 * TEACHER.nLayer() * TEACHER.dModel() * T, m.extraFlopsPerToken(T));
            assertEquals(6, m.trainingFlopsPerParameter(), "the student's own count is unchanged");
        }
        java.nio.file.Files.createDirectories(tmp.resolve("empty-cache"));
        try (DistillModel m = DistillModel.cached(new DecoderModel(student(4)), tmp.resolve("empty-cache"),
                new DistillationLoss(2, 0.5), 4, 1, B, T, 5)) {
            assertEquals(0.0, m.extraFlopsPerToken(T));
        }
    }

    @Test
    void evaluationIsPlainCrossEntropyAndAVocabularyMismatchIsRefused() {
        try (Decoder plain = student(4);
             DistillModel m = DistillModel.live(new DecoderModel(student(4)), teacher(), new DistillationLoss(2, 0.5),
                     0, 1, B, T, 5)) {
            assertEquals(plain.forward(TOKENS, TARGETS, B, T, false, 0), m.forward(TOKENS, TARGETS, B, T, false, 0));
            assertTrue(m.lossParts().isEmpty());
            m.forward(TOKENS, TARGETS, B, T, true, 0, null);
            assertEquals(List.of(DistillModel.CE, DistillModel.KL), new ArrayList<>(m.lossParts().keySet()));
            assertEquals(m.lastSums().crossEntropy() / 11, m.lossParts().get(DistillModel.CE), 1e-15);
        }
        ModelConfig other = ModelConfig.gpt2(14, 8, 1, 2, 8, 0.0);
        try (Decoder t = new Decoder(other, B, T, DataType.FLOAT, new Nd4jKernels(), false)) {
            var e = assertThrows(IllegalArgumentException.class, () -> DistillModel.live(new DecoderModel(student(4)),
                    t, new DistillationLoss(2, 0.5), 0, 1, B, T, 5));
            assertTrue(e.getMessage().startsWith("vocab_size:"), e.getMessage());
        }
    }
}
