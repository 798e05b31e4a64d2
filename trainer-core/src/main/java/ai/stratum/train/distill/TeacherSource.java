package ai.stratum.train.distill;

import java.io.IOException;

/**
 * The teacher's side of a micro-batch, row by row: a frozen teacher run live ({@link LiveTeacher}) or its top-k
 * logits read from a cache ({@link CachedTeacher}).
 */
interface TeacherSource extends AutoCloseable {

    /**
     * Gets ready for one micro-batch: runs the teacher's decoder to its final hidden states, or reads the cached
     * block.
     *
     * @param firstRow the micro-batch's first row in the run's row stream ((step * micro-steps + micro-step) * B * T)
     * @param tokens   (B, T) the micro-batch's inputs, the student's and the teacher's
     * @param segments (B, T) attention segments, or null
     */
    void begin(long firstRow, int[] tokens, int batch, int seqLen, int[] segments) throws IOException;

    /**
     * The teacher for rows [row, row + n) of the current micro-batch; the rows never cross a multiple of
     * {@link #blockRows()}.
     */
    DistillationLoss.Teacher rows(int row, int n);

    /** Teacher rows are produced in aligned blocks of this many rows (the teacher's logits exist a block at a time). */
    int blockRows();

    /** The teacher's model FLOPs per token of a micro-batch of sequences of {@code seqLen} (0 when it is not run). */
    double flopsPerToken(int seqLen);

    @Override
    void close();

    /** Rows [row, row + n) of a top-k teacher. */
    static DistillationLoss.TopK slice(DistillationLoss.TopK t, int row, int n) {
        int k = t.k();
        if (row == 0 && n * k == t.ids().length) {
            return t;
        }
        return new DistillationLoss.TopK(k, java.util.Arrays.copyOfRange(t.ids(), row * k, (row + n) * k),
                java.util.Arrays.copyOfRange(t.logits(), row * k, (row + n) * k));
    }
}
