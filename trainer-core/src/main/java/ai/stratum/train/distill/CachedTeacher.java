package ai.stratum.train.distill;

import java.io.IOException;
import java.nio.file.Path;

/** The teacher's top-k logits read from a {@link TeacherCache} directory: one block per micro-batch. */
final class CachedTeacher implements TeacherSource {

    private final Path dir;
    private final int k;
    private final int vocab;
    private final int blockRows;
    private DistillationLoss.TopK current;
    private int rows;

    /** @param blockRows rows the student's loss takes at a time (bounds its copies of the logits) */
    CachedTeacher(Path dir, int k, int vocab, int blockRows) {
        this.blockRows = blockRows;
        this.dir = dir;
        this.k = k;
        this.vocab = vocab;
    }

    @Override
    public void begin(long firstRow, int[] tokens, int batch, int seqLen, int[] segments) throws IOException {
        Path file = TeacherCache.blockFile(dir, firstRow);
        TeacherCache.Block block = TeacherCache.read(file, k, vocab);
        rows = batch * seqLen;
        if (block.firstRow() != firstRow || block.rowCount() != rows) {
            throw new IOException(file + ": holds rows [" + block.firstRow() + ", " + (block.firstRow()
                    + block.rowCount()) + ") but the run needs rows [" + firstRow + ", " + (firstRow + rows)
                    + "); the cache was built for other batch shapes: rebuild it");
        }
        int expected = TeacherCache.tokenChecksum(tokens, segments);
        if (block.tokenChecksum() != 0 && block.tokenChecksum() != expected) {
            throw new IOException(file + ": was computed on other tokens than this micro-batch's (token checksum "
                    + Integer.toHexString(block.tokenChecksum()) + ", the batch's " + Integer.toHexString(expected)
                    + "); the data or its order changed since the cache was built: rebuild it");
        }
        current = block.rows();
    }

    @Override
    public DistillationLoss.Teacher rows(int row, int n) {
        if (row < 0 || n < 1 || row + n > rows) {
            throw new IllegalArgumentException("rows: [" + row + ", " + (row + n) + ") outside the micro-batch's "
                    + rows + " rows");
        }
        return TeacherSource.slice(current, row, n);
    }

    /** The teacher ran when the cache was built, not during training. */
    @Override
    public double flopsPerToken(int seqLen) {
        return 0;
    }

    @Override
    public int blockRows() {
        return blockRows;
    }

    @Override
    public void close() {
    }
}
