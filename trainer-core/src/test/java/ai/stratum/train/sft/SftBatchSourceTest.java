package ai.stratum.train.sft;

import ai.stratum.train.data.DataPosition;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SftBatchSourceTest {

    static final int T = 4;

    /** Row i holds token i everywhere, so a batch shows which rows it holds. */
    static List<SequencePacker.Row> rows(int n) {
        List<SequencePacker.Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] tokens = new int[T];
            int[] targets = new int[T];
            int[] segments = new int[T];
            Arrays.fill(tokens, i);
            Arrays.fill(targets, i);
            segments[T - 1] = 1;
            rows.add(new SequencePacker.Row(tokens, targets, segments));
        }
        return rows;
    }

    /** The row ids of the next {@code batches} batches of {@code batch} rows. */
    static List<Integer> draw(SftBatchSource s, int batches) {
        int b = s.batch();
        int[] tokens = new int[b * T];
        int[] targets = new int[b * T];
        int[] segments = new int[b * T];
        List<Integer> out = new ArrayList<>();
        for (int k = 0; k < batches; k++) {
            assertTrue(s.next(tokens, targets, segments));
            for (int r = 0; r < b; r++) {
                out.add(targets[r * T]);
                assertEquals(1, segments[r * T + T - 1], "segment ids travel with the row");
            }
        }
        return out;
    }

    @Test
    void shuffledEpochsVisitEveryRowOnceInASeededOrder() {
        SftBatchSource s = new SftBatchSource(rows(6), 2, 11, true, 0, DataPosition.START);
        List<Integer> epochs = draw(s, 6);
        List<Integer> first = epochs.subList(0, 6);
        List<Integer> second = epochs.subList(6, 12);
        assertEquals(List.of(0, 1, 2, 3, 4, 5), first.stream().sorted().toList());
        assertEquals(List.of(0, 1, 2, 3, 4, 5), second.stream().sorted().toList());
        assertNotEquals(first, second, "each epoch has its own permutation");
        assertEquals(epochs, draw(new SftBatchSource(rows(6), 2, 11, true, 0, DataPosition.START), 6));
        assertNotEquals(epochs, draw(new SftBatchSource(rows(6), 2, 12, true, 0, DataPosition.START), 6));
    }

    @Test
    void aSavedPositionRestoresTheStreamAcrossEpochs() {
        SftBatchSource s = new SftBatchSource(rows(5), 2, 3, true, 0, DataPosition.START);
        draw(s, 4); // 8 rows: into the second epoch
        DataPosition saved = s.position();
        assertEquals(new DataPosition(1, 0, 3), saved);
        List<Integer> rest = draw(s, 5);
        assertEquals(rest, draw(new SftBatchSource(rows(5), 2, 3, true, 0, saved), 5));
        assertThrows(IllegalArgumentException.class,
                () -> new SftBatchSource(rows(5), 2, 3, true, 0, new DataPosition(0, 0, 6)));
    }

    @Test
    void sequentialPassesSeeEachRowOnceAndPadTheLastBatch() {
        SftBatchSource s = new SftBatchSource(rows(5), 2, 0, false, 9, DataPosition.START);
        assertEquals(3, s.batchesPerPass());
        int[] tokens = new int[2 * T];
        int[] targets = new int[2 * T];
        int[] segments = new int[2 * T];
        List<Integer> seen = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            s.next(tokens, targets, segments);
            seen.add(targets[0]);
            seen.add(targets[T]);
        }
        assertEquals(List.of(0, 1, 2, 3, 4, -1), seen);
        assertArrayEquals(IntStream.range(0, T).map(i -> 9).toArray(), Arrays.copyOfRange(tokens, T, 2 * T));
        assertArrayEquals(IntStream.range(0, T).map(i -> -1).toArray(), Arrays.copyOfRange(segments, T, 2 * T));
        s.next(tokens, targets, segments);
        assertEquals(0, targets[0], "the next pass starts over");
    }
}
