package ai.stratum.train.distill;

import ai.stratum.model.Decoder;
import ai.stratum.model.Views;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A frozen teacher {@link Decoder} run per micro-batch on the student's tokens: its decoder once to the final
 * hidden states (N, C_t), then its logits projected one aligned block of rows at a time, in step with the
 * student's head chunks, so the teacher's (N, V) logits never exist whole when they would be large. With
 * {@code topK > 0} each block is reduced to its rows' k largest logits (what the cache stores, computed the same
 * way, so a cached run equals a live one).
 */
final class LiveTeacher implements TeacherSource {

    private final Decoder teacher;
    private final int topK;
    private final int blockRows;
    private final int vocab;
    private final INDArray out;      // (blockRows, V) the current block's logits
    private final float[] block;     // the same, on the heap
    private INDArray hidden;         // (N, C_t)
    private int rows;
    private int current = -1;
    private DistillationLoss.TopK currentTopK;

    /**
     * @param teacher   the teacher, built for at least the run's (B, T), its weights loaded; this source closes it
     * @param topK      0 for dense logits, else the top-k per row
     * @param blockRows rows per teacher block
     */
    LiveTeacher(Decoder teacher, int topK, int blockRows) {
        if (blockRows < 1) {
            throw new IllegalArgumentException("block_rows: must be >= 1, got " + blockRows);
        }
        this.teacher = teacher;
        this.vocab = teacher.config().vocabSize();
        if (topK < 0 || topK > vocab) {
            throw new IllegalArgumentException("top_k: must be in [0, " + vocab + "] (0: dense), got " + topK);
        }
        this.topK = topK;
        this.blockRows = blockRows;
        this.out = Nd4j.create(teacher.dataType(), (long) blockRows * vocab);
        this.block = new float[blockRows * vocab];
    }

    /** Rows per block: all the micro-batch's rows when their logits fit {@code budgetBytes} of floats, else fewer. */
    static int blockRows(long rows, int vocab, long budgetBytes) {
        return (int) Math.max(1, Math.min(rows, budgetBytes / (4L * vocab)));
    }

    Decoder decoder() {
        return teacher;
    }

    @Override
    public void begin(long firstRow, int[] tokens, int batch, int seqLen, int[] segments) {
        hidden = teacher.forwardHidden(tokens, batch, seqLen, segments);
        rows = batch * seqLen;
        current = -1;
    }

    @Override
    public DistillationLoss.Teacher rows(int row, int n) {
        int b = row / blockRows;
        if (row < 0 || n < 1 || row + n > Math.min(rows, (b + 1) * blockRows)) {
            throw new IllegalArgumentException("rows: [" + row + ", " + (row + n) + ") is not inside one block of "
                    + blockRows + " of the micro-batch's " + rows + " rows");
        }
        project(b);
        int off = row - b * blockRows;
        if (topK > 0) {
            return TeacherSource.slice(currentTopK, off, n);
        }
        return new DistillationLoss.Dense(java.util.Arrays.copyOfRange(block, off * vocab, (off + n) * vocab));
    }

    /** The teacher's logits (and top-k) of block b, unless they are the current ones. */
    private void project(int b) {
        if (b == current) {
            return;
        }
        int r0 = b * blockRows;
        int n = Math.min(blockRows, rows - r0);
        long c = hidden.size(1);
        INDArray logits = Views.of(out, 0, n, vocab);
        teacher.projectLogits(logits, Views.of(hidden, (long) r0 * c, n, c)); // (n, V) = h (n, C_t) W_t^T
        if (out.dataType() == DataType.DOUBLE) {
            double[] d = new double[n * vocab];
            HostRows.read(logits, 0, d, n * vocab);
            for (int i = 0; i < d.length; i++) {
                block[i] = (float) d[i];
            }
        } else {
            HostRows.read(logits, 0, block, n * vocab);
        }
        currentTopK = topK > 0 ? DistillationLoss.topK(block, n, vocab, topK) : null;
        current = b;
    }

    /**
     * The teacher's forward, as PaLM's appendix B counts it (a third of training's {@code 6 N + 12 L C T}):
     * {@code 2 N + 4 L C T} per token; recomputing a block's logits in the student's chunked backward is not model
     * work and is not counted.
     */
    @Override
    public double flopsPerToken(int seqLen) {
        ai.stratum.model.ModelConfig m = teacher.config();
        return 2.0 * ai.stratum.model.ParameterLayout.decoder(m).size() + 4.0 * m.nLayer() * m.dModel() * seqLen;
    }

    @Override
    public int blockRows() {
        return blockRows;
    }

    @Override
    public void close() {
        out.close();
        teacher.close();
    }
}
