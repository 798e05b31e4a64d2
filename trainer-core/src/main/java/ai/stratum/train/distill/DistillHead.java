package ai.stratum.train.distill;

import ai.stratum.model.nn.LmHead;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * The distillation loss inside the student's chunked LM head: for each chunk of rows the head hands over, the
 * teacher's rows for exactly those rows ({@link TeacherSource}) and {@link DistillationLoss} in place of
 * cross-entropy. A chunk is taken in pieces that never cross a teacher block, so the student's logits are copied
 * to the heap a block at a time. The forward's sums (total, cross-entropy and KL parts) are kept for the log;
 * a backward's recomputation of a chunk is not counted again.
 */
final class DistillHead implements LmHead.RowLoss {

    private final DistillationLoss loss;
    private final TeacherSource teacher;
    private final int vocab;
    private float[] zf;
    private float[] gf;
    private double[] zd;
    private double[] gd;
    private DistillationLoss.Sums sums = new DistillationLoss.Sums(0, 0, 0, 0);

    DistillHead(DistillationLoss loss, TeacherSource teacher, int vocab) {
        this.loss = loss;
        this.teacher = teacher;
        this.vocab = vocab;
    }

    /** Starts a new forward's sums. */
    void reset() {
        sums = new DistillationLoss.Sums(0, 0, 0, 0);
    }

    /** What the forwards since {@link #reset()} summed. */
    DistillationLoss.Sums sums() {
        return sums;
    }

    @Override
    public double apply(INDArray dlogits, INDArray logits, int firstRow, int[] targets, boolean recompute) {
        int end = firstRow + targets.length;
        long block = teacher.blockRows();
        double total = 0;
        for (int a = firstRow; a < end; ) {
            int b = (int) Math.min(end, (a / block + 1) * block);
            int n = b - a;
            int len = n * vocab;
            long off = (long) (a - firstRow) * vocab;
            DistillationLoss.Teacher t = teacher.rows(a, n);
            int[] tg = Arrays.copyOfRange(targets, a - firstRow, b - firstRow);
            DistillationLoss.Sums s;
            if (logits.dataType() == DataType.DOUBLE) {
                if (zd == null || zd.length < len) {
                    zd = new double[len];
                    gd = new double[len];
                }
                HostRows.read(logits, off, zd, len);
                s = loss.forwardBackward(gd, zd, n, vocab, tg, t);
                HostRows.write(dlogits, off, gd, len);
            } else {
                if (zf == null || zf.length < len) {
                    zf = new float[len];
                    gf = new float[len];
                }
                HostRows.read(logits, off, zf, len);
                s = loss.forwardBackward(gf, zf, n, vocab, tg, t);
                HostRows.write(dlogits, off, gf, len);
            }
            total += s.loss();
            if (!recompute) {
                sums = sums.plus(s);
            }
            a = b;
        }
        return total;
    }
}
