package ai.stratum.train.distill;

/**
 * Knowledge-distillation loss over a chunk of rows of student logits, forward and backward in one pass (as the
 * cross-entropy kernel): for each row whose target is {@code >= 0},
 * <pre>
 * loss = alpha * CE(z, y) + (1 - alpha) * T^2 * KL(p_t || p_s)
 * p_s  = softmax(z / T)                       the student at temperature T
 * p_t  = softmax(t / T)                       the teacher at temperature T (dense), or, for a cached teacher,
 *                                             softmax over its top-k logits only, renormalized (0 elsewhere)
 * dz   = alpha * (softmax(z) - onehot(y)) + (1 - alpha) * T * (p_s - p_t)
 * </pre>
 * (Hinton et al.'s T^2 keeps the soft term's gradient scale independent of T.) Rows with a negative target
 * contribute neither loss nor gradient (prompt tokens in SFT, padding), so distillation follows the same masking
 * as cross-entropy. Sums over rows are returned; the caller divides by its target count, as for cross-entropy.
 *
 * <p>Arithmetic is in double per row; inputs and outputs are float rows of width {@code vocab}, row-major.
 *
 * @param temperature T, positive
 * @param alpha       weight of the hard-label cross-entropy, in [0, 1]; 0 is pure distillation
 */
public record DistillationLoss(double temperature, double alpha) {

    public DistillationLoss {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature: must be positive, got " + temperature);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha: must be in [0, 1], got " + alpha);
        }
    }

    /** The teacher's side of a chunk of rows: dense logits, or each row's top-k ids and logits. */
    public sealed interface Teacher permits Dense, TopK {
    }

    /** Dense teacher logits (rows, vocab), row-major, the same rows as the student's. */
    public record Dense(float[] logits) implements Teacher {
    }

    /**
     * A teacher reduced to its k largest logits per row: {@code ids[row * k + j]} and {@code logits[row * k + j]};
     * an id of -1 pads a row that has fewer than k entries.
     */
    public record TopK(int k, int[] ids, float[] logits) implements Teacher {
        public TopK {
            if (k < 1 || ids.length != logits.length || ids.length % k != 0) {
                throw new IllegalArgumentException("top_k: ids and logits must be rows of k = " + k + " entries");
            }
        }
    }

    /** What one chunk contributed: the summed loss and its two parts, over {@code rows} counted rows. */
    public record Sums(double loss, double crossEntropy, double kl, int rows) {
        public Sums plus(Sums o) {
            return new Sums(loss + o.loss, crossEntropy + o.crossEntropy, kl + o.kl, rows + o.rows);
        }
    }

    /**
     * Writes dlogits (rows, vocab) = d(sum of row losses)/d logits (0 on masked rows) and returns the sums.
     *
     * @param logits  the student's logits (rows, vocab)
     * @param targets per row: the next token, or negative for a row that is not trained
     */
    public Sums forwardBackward(float[] dlogits, float[] logits, int rows, int vocab, int[] targets,
                                Teacher teacher) {
        if (logits.length < (long) rows * vocab || dlogits.length < (long) rows * vocab || targets.length < rows) {
            throw new IllegalArgumentException("rows: arrays are shorter than " + rows + " rows of " + vocab);
        }
        return rows(rows, vocab, targets, teacher, (s, r) -> {
            int off = r * vocab;
            if (targets[r] < 0) {
                java.util.Arrays.fill(dlogits, off, off + vocab, 0f);
                return false;
            }
            for (int i = 0; i < vocab; i++) {
                s.z[i] = logits[off + i];
            }
            row(s, r, vocab, targets[r], teacher);
            for (int i = 0; i < vocab; i++) {
                dlogits[off + i] = (float) s.g[i];
            }
            return true;
        });
    }

    /** {@link #forwardBackward(float[], float[], int, int, int[], Teacher)} for a float64 student (gradient checks). */
    public Sums forwardBackward(double[] dlogits, double[] logits, int rows, int vocab, int[] targets,
                                Teacher teacher) {
        if (logits.length < (long) rows * vocab || dlogits.length < (long) rows * vocab || targets.length < rows) {
            throw new IllegalArgumentException("rows: arrays are shorter than " + rows + " rows of " + vocab);
        }
        return rows(rows, vocab, targets, teacher, (s, r) -> {
            int off = r * vocab;
            if (targets[r] < 0) {
                java.util.Arrays.fill(dlogits, off, off + vocab, 0.0);
                return false;
            }
            System.arraycopy(logits, off, s.z, 0, vocab);
            row(s, r, vocab, targets[r], teacher);
            System.arraycopy(s.g, 0, dlogits, off, vocab);
            return true;
        });
    }

    /** Rows of at least this many logits in all are split over the available cores. */
    private static final long PARALLEL_ELEMENTS = 1 << 16;

    /** One row in, its gradient out: false for a masked row. */
    private interface RowStep {
        boolean apply(Scratch s, int r);
    }

    /**
     * Runs every row, in contiguous ranges on the available cores when there is enough work, and sums the rows'
     * losses in row order: the sums do not depend on the number of threads.
     */
    private Sums rows(int rows, int vocab, int[] targets, Teacher teacher, RowStep step) {
        double[] loss = new double[rows];
        double[] ce = new double[rows];
        double[] kl = new double[rows];
        boolean[] counted = new boolean[rows];
        int threads = (long) rows * vocab < PARALLEL_ELEMENTS ? 1
                : Math.min(rows, Runtime.getRuntime().availableProcessors());
        java.util.function.IntConsumer range = p -> {
            Scratch s = new Scratch(vocab);
            int from = (int) ((long) rows * p / threads);
            int to = (int) ((long) rows * (p + 1) / threads);
            for (int r = from; r < to; r++) {
                if (step.apply(s, r)) {
                    counted[r] = true;
                    loss[r] = s.loss;
                    ce[r] = s.ce;
                    kl[r] = s.kl;
                }
            }
        };
        if (threads == 1) {
            range.accept(0);
        } else {
            java.util.stream.IntStream.range(0, threads).parallel().forEach(range);
        }
        double lossSum = 0;
        double ceSum = 0;
        double klSum = 0;
        int n = 0;
        for (int r = 0; r < rows; r++) {
            if (counted[r]) {
                lossSum += loss[r];
                ceSum += ce[r];
                klSum += kl[r];
                n++;
            }
        }
        return new Sums(lossSum, ceSum, klSum, n);
    }

    /** One row's student logits in, its gradient and its losses out. */
    private static final class Scratch {
        final double[] z;
        final double[] g;
        final double[] ps;
        final double[] pt;
        double loss;
        double ce;
        double kl;

        Scratch(int vocab) {
            z = new double[vocab];
            g = new double[vocab];
            ps = new double[vocab];
            pt = new double[vocab];
        }
    }

    /** Row r (student logits in s.z, target y >= 0): its gradient into s.g, its losses into s.loss, s.ce, s.kl. */
    private void row(Scratch s, int r, int vocab, int y, Teacher teacher) {
        if (y >= vocab) {
            throw new IllegalArgumentException("targets: id " + y + " at row " + r + " is outside the vocabulary "
                    + "of " + vocab);
        }
        double[] z0 = s.z;
        double[] ps = s.ps;
        double[] pt = s.pt;
        double t = temperature;
        // student at T = 1 (hard CE) and at T
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, z0[i]);
        }
        // s.g holds exp(z - max) until the gradient overwrites it. One exponential per logit serves both softmaxes
        // when T is a small integer: exp(z) = exp(z / T)^T by T - 1 multiplications (a few ulps)
        double[] e1 = s.g;
        double sum1 = 0;
        double sumT = 0;
        int power = t == Math.rint(t) && t <= 4 ? (int) t : 0;
        for (int i = 0; i < vocab; i++) {
            double z = z0[i] - max;
            double eT = Math.exp(z / t);
            double e = eT;
            if (power == 0) {
                e = Math.exp(z);
            } else {
                for (int p = 1; p < power; p++) {
                    e *= eT;
                }
            }
            e1[i] = e;
            sum1 += e;
            ps[i] = eT;
            sumT += eT;
        }
        double logSum1 = Math.log(sum1);
        double logSumT = Math.log(sumT);
        double ce = logSum1 - (z0[y] - max);
        // teacher at T over the vocabulary (dense) or its top-k (renormalized)
        double kl = teacherProbabilities(teacher, r, vocab, pt);
        // kl so far holds sum p_t log p_t; subtract sum p_t log p_s
        for (int i = 0; i < vocab; i++) {
            if (pt[i] > 0) {
                kl -= pt[i] * ((z0[i] - max) / t - logSumT);
            }
        }
        double soft = (1 - alpha) * t * t;
        s.loss = alpha * ce + soft * kl;
        s.ce = ce;
        s.kl = kl;
        for (int i = 0; i < vocab; i++) {
            double p1 = e1[i] / sum1;
            double pT = ps[i] / sumT;
            s.g[i] = alpha * (p1 - (i == y ? 1.0 : 0.0)) + (1 - alpha) * t * (pT - pt[i]);
        }
    }

    /** Fills pt (vocab) with row r's teacher probabilities at T and returns sum p_t log p_t. */
    private double teacherProbabilities(Teacher teacher, int r, int vocab, double[] pt) {
        double t = temperature;
        java.util.Arrays.fill(pt, 0.0);
        if (teacher instanceof Dense d) {
            int off = r * vocab;
            if (d.logits().length < off + vocab) {
                throw new IllegalArgumentException("teacher: dense logits are shorter than the student's rows");
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) {
                max = Math.max(max, d.logits()[off + i]);
            }
            double sum = 0;
            for (int i = 0; i < vocab; i++) {
                pt[i] = Math.exp((d.logits()[off + i] - max) / t);
                sum += pt[i];
            }
            double logSum = Math.log(sum);
            double ent = 0;
            for (int i = 0; i < vocab; i++) {
                double lp = (d.logits()[off + i] - max) / t - logSum;
                pt[i] /= sum;
                ent += pt[i] * lp;
            }
            return ent;
        }
        TopK k = (TopK) teacher;
        int off = r * k.k();
        if (k.ids().length < off + k.k()) {
            throw new IllegalArgumentException("teacher: top-k rows are fewer than the student's rows");
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k.k(); j++) {
            int id = k.ids()[off + j];
            if (id >= 0) {
                if (id >= vocab) {
                    throw new IllegalArgumentException("teacher: top-k id " + id + " is outside the student's "
                            + "vocabulary of " + vocab + "; teacher and student must share a tokenizer");
                }
                max = Math.max(max, k.logits()[off + j]);
            }
        }
        if (max == Double.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("teacher: row " + r + " has no top-k entry");
        }
        double sum = 0;
        for (int j = 0; j < k.k(); j++) {
            int id = k.ids()[off + j];
            if (id >= 0) {
                if (pt[id] != 0) {
                    throw new IllegalArgumentException("teacher: id " + id + " appears twice in row " + r);
                }
                pt[id] = Math.exp((k.logits()[off + j] - max) / t);
                sum += pt[id];
            }
        }
        double logSum = Math.log(sum);
        double ent = 0;
        for (int j = 0; j < k.k(); j++) {
            int id = k.ids()[off + j];
            if (id >= 0) {
                double lp = (k.logits()[off + j] - max) / t - logSum;
                pt[id] /= sum;
                ent += pt[id] * lp;
            }
        }
        return ent;
    }

    /**
     * Reduces dense teacher logits (rows, vocab) to each row's k largest, ties broken by the smaller id, in
     * descending order of logit: what the teacher cache stores.
     */
    public static TopK topK(float[] logits, int rows, int vocab, int k) {
        if (k < 1 || k > vocab) {
            throw new IllegalArgumentException("top_k: must be in [1, " + vocab + "], got " + k);
        }
        int[] ids = new int[rows * k];
        float[] vals = new float[rows * k];
        int[] heapIds = new int[k];
        for (int r = 0; r < rows; r++) {
            int off = r * vocab;
            // a min-heap of the best k (worst at the root); "better" = larger logit, then smaller id
            int size = 0;
            for (int i = 0; i < vocab; i++) {
                if (size < k) {
                    heapIds[size] = i;
                    siftUp(heapIds, size, logits, off);
                    size++;
                } else if (better(i, heapIds[0], logits, off)) {
                    heapIds[0] = i;
                    siftDown(heapIds, size, logits, off);
                }
            }
            // pop worst-first into the row's tail, so the row ends up best-first
            for (int j = k - 1; j >= 0; j--) {
                ids[r * k + j] = heapIds[0];
                vals[r * k + j] = logits[off + heapIds[0]];
                heapIds[0] = heapIds[--size];
                siftDown(heapIds, size, logits, off);
            }
        }
        return new TopK(k, ids, vals);
    }

    private static boolean better(int a, int b, float[] logits, int off) {
        float x = logits[off + a];
        float y = logits[off + b];
        return x > y || (x == y && a < b);
    }

    private static void siftUp(int[] h, int i, float[] logits, int off) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (better(h[parent], h[i], logits, off)) {
                int tmp = h[parent];
                h[parent] = h[i];
                h[i] = tmp;
                i = parent;
            } else {
                return;
            }
        }
    }

    private static void siftDown(int[] h, int size, float[] logits, int off) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            int r = l + 1;
            int worst = i;
            if (l < size && better(h[worst], h[l], logits, off)) {
                worst = l;
            }
            if (r < size && better(h[worst], h[r], logits, off)) {
                worst = r;
            }
            if (worst == i) {
                return;
            }
            int tmp = h[worst];
            h[worst] = h[i];
            h[i] = tmp;
            i = worst;
        }
    }
}
