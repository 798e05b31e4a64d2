package ai.stratum.train.distill;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DistillationLossTest {

    private static float[] random(int n, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * scale);
        }
        return a;
    }

    /** The loss written out naively in double from its definition, for finite differences. */
    private static double naiveLoss(double[] z, int rows, int vocab, int[] targets, double[] teacherProbsAtT,
                                    double t, double alpha) {
        double total = 0;
        for (int r = 0; r < rows; r++) {
            if (targets[r] < 0) {
                continue;
            }
            double lse1 = 0;
            double lseT = 0;
            for (int i = 0; i < vocab; i++) {
                lse1 += Math.exp(z[r * vocab + i]);
                lseT += Math.exp(z[r * vocab + i] / t);
            }
            lse1 = Math.log(lse1);
            lseT = Math.log(lseT);
            double ce = lse1 - z[r * vocab + targets[r]];
            double kl = 0;
            for (int i = 0; i < vocab; i++) {
                double p = teacherProbsAtT[r * vocab + i];
                if (p > 0) {
                    kl += p * (Math.log(p) - (z[r * vocab + i] / t - lseT));
                }
            }
            total += alpha * ce + (1 - alpha) * t * t * kl;
        }
        return total;
    }

    private static double[] softmaxRows(float[] logits, int rows, int vocab, double t) {
        double[] p = new double[rows * vocab];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int i = 0; i < vocab; i++) {
                p[r * vocab + i] = Math.exp(logits[r * vocab + i] / t);
                sum += p[r * vocab + i];
            }
            for (int i = 0; i < vocab; i++) {
                p[r * vocab + i] /= sum;
            }
        }
        return p;
    }

    @Test
    void gradientMatchesFiniteDifferencesOfTheDefinitionForDenseAndTopKTeachers() {
        int rows = 4;
        int vocab = 11;
        int[] targets = {3, -1, 0, 10};
        float[] student = random(rows * vocab, 1, 1.5);
        float[] teacherLogits = random(rows * vocab, 2, 2.0);
        for (double t : new double[]{1.0, 2.5}) {
            for (double alpha : new double[]{0.0, 0.3, 1.0}) {
                DistillationLoss loss = new DistillationLoss(t, alpha);
                // dense teacher
                double[] pt = softmaxRows(teacherLogits, rows, vocab, t);
                check(loss, student, rows, vocab, targets, new DistillationLoss.Dense(teacherLogits), pt);
                // top-3 teacher: probabilities renormalized over the three largest logits of each row
                DistillationLoss.TopK top = DistillationLoss.topK(teacherLogits, rows, vocab, 3);
                double[] ptk = new double[rows * vocab];
                for (int r = 0; r < rows; r++) {
                    double sum = 0;
                    for (int j = 0; j < 3; j++) {
                        sum += Math.exp(top.logits()[r * 3 + j] / t);
                    }
                    for (int j = 0; j < 3; j++) {
                        ptk[r * vocab + top.ids()[r * 3 + j]] = Math.exp(top.logits()[r * 3 + j] / t) / sum;
                    }
                }
                check(loss, student, rows, vocab, targets, top, ptk);
            }
        }
    }

    private static void check(DistillationLoss loss, float[] student, int rows, int vocab, int[] targets,
                              DistillationLoss.Teacher teacher, double[] teacherProbs) {
        float[] grad = new float[rows * vocab];
        DistillationLoss.Sums sums = loss.forwardBackward(grad, student, rows, vocab, targets, teacher);
        double[] z = new double[student.length];
        for (int i = 0; i < z.length; i++) {
            z[i] = student[i];
        }
        double reference = naiveLoss(z, rows, vocab, targets, teacherProbs, loss.temperature(), loss.alpha());
        assertEquals(reference, sums.loss(), 1e-4 * Math.max(1, Math.abs(reference)));
        assertEquals(3, sums.rows());
        double h = 1e-4;
        for (int i = 0; i < z.length; i++) {
            double keep = z[i];
            z[i] = keep + h;
            double up = naiveLoss(z, rows, vocab, targets, teacherProbs, loss.temperature(), loss.alpha());
            z[i] = keep - h;
            double down = naiveLoss(z, rows, vocab, targets, teacherProbs, loss.temperature(), loss.alpha());
            z[i] = keep;
            double fd = (up - down) / (2 * h);
            assertEquals(fd, grad[i], 1e-5 + 1e-3 * Math.abs(fd),
                    "d loss / d z[" + i + "] at T=" + loss.temperature() + " alpha=" + loss.alpha());
        }
        // the masked row has no gradient at all
        for (int i = vocab; i < 2 * vocab; i++) {
            assertEquals(0f, grad[i]);
        }
    }

    @Test
    void alphaOneIsCrossEntropyAndATeacherEqualToTheStudentAddsNothing() {
        int rows = 3;
        int vocab = 7;
        int[] targets = {1, 6, 2};
        float[] z = random(rows * vocab, 5, 1.0);
        float[] g = new float[rows * vocab];
        DistillationLoss.Sums ce = new DistillationLoss(3.0, 1.0).forwardBackward(g, z, rows, vocab, targets,
                new DistillationLoss.Dense(random(rows * vocab, 9, 4.0)));
        double expected = 0;
        for (int r = 0; r < rows; r++) {
            double lse = 0;
            for (int i = 0; i < vocab; i++) {
                lse += Math.exp(z[r * vocab + i]);
            }
            expected += Math.log(lse) - z[r * vocab + targets[r]];
        }
        assertEquals(expected, ce.loss(), 1e-9 * rows * vocab + 1e-6);
        assertEquals(expected, ce.crossEntropy(), 1e-6);

        DistillationLoss.Sums self = new DistillationLoss(2.0, 0.0).forwardBackward(g, z, rows, vocab, targets,
                new DistillationLoss.Dense(z.clone()));
        assertEquals(0.0, self.loss(), 1e-6);
        assertEquals(0.0, self.kl(), 1e-6);
        for (float x : g) {
            assertEquals(0f, x, 1e-6f);
        }
    }

    @Test
    void topKKeepsTheLargestLogitsBestFirstWithTiesToTheSmallerId() {
        int rows = 20;
        int vocab = 50;
        float[] logits = random(rows * vocab, 11, 1.0);
        // plant ties
        logits[7] = logits[3];
        logits[vocab + 40] = logits[vocab + 2];
        for (int k : new int[]{1, 5, 50}) {
            DistillationLoss.TopK top = DistillationLoss.topK(logits, rows, vocab, k);
            for (int r = 0; r < rows; r++) {
                final int row = r;
                int[] expected = IntStream.range(0, vocab).boxed()
                        .sorted(Comparator.<Integer>comparingDouble(i -> -logits[row * vocab + i])
                                .thenComparingInt(i -> i))
                        .limit(k).mapToInt(Integer::intValue).toArray();
                assertArrayEquals(expected, Arrays.copyOfRange(top.ids(), r * k, r * k + k), "row " + r + " k " + k);
                for (int j = 0; j < k; j++) {
                    assertEquals(logits[r * vocab + expected[j]], top.logits()[r * k + j]);
                }
            }
        }
    }

    @Test
    void badInputIsRefusedByName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(0, 0.5)).getMessage()
                .startsWith("temperature"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(1, 1.5)).getMessage()
                .startsWith("alpha"));
        DistillationLoss.TopK outside = new DistillationLoss.TopK(2, new int[]{1, 12}, new float[]{1, 2});
        var e = assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(1, 0).forwardBackward(
                new float[10], new float[10], 1, 10, new int[]{0}, outside));
        assertTrue(e.getMessage().contains("share a tokenizer"), e.getMessage());
    }
}
