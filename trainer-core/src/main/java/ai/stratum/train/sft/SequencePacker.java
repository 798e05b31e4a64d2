package ai.stratum.train.sft;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Packs encoded examples into rows of {@code seqLen} (input, target) positions so that short examples do not
 * waste compute. An example of n tokens fills n - 1 positions: inputs {@code tokens[0..n-1)}, targets
 * {@code tokens[1..n)}, a target being -1 where the token is not trained. Every position carries its
 * example's segment id (its index within the row, from 0), so attention can stay inside one example; the model
 * restarts positions at 0 where the segment id changes, so a packed example computes what it computes alone.
 *
 * <p>Placement is first-fit in input order (deterministic): each example goes into the first row with room,
 * else a new row. Padding positions have token {@code padId}, target -1 and segment -1.
 *
 * <p>Over-long examples (more than {@code seqLen + 1} tokens) follow the {@link Overflow} policy; examples
 * left with no trained target are dropped. Both are counted in {@link Stats}.
 */
public final class SequencePacker {

    /** What to do with an example longer than a row. */
    public enum Overflow {
        /** Keep the first {@code seqLen + 1} tokens (the end of the response is cut). */
        TRUNCATE,
        /** Skip the example. */
        DROP
    }

    /** One packed row: inputs, targets (-1 = no loss), segment ids (-1 = padding). */
    public record Row(int[] tokens, int[] targets, int[] segments) {
    }

    /** What packing did. */
    public record Stats(int examples, int packed, int truncated, int droppedTooLong, int droppedNoTarget,
                        int rows, long trainedTargets, long usedPositions, long totalPositions) {
        /** Fraction of row positions holding example tokens rather than padding. */
        public double fill() {
            return totalPositions == 0 ? 0 : (double) usedPositions / totalPositions;
        }
    }

    /** The rows and the counts. */
    public record Result(List<Row> rows, Stats stats) {
    }

    private SequencePacker() {
    }

    public static Result pack(List<SftEncoder.Encoded> examples, int seqLen, Overflow overflow, int padId) {
        if (seqLen < 1) {
            throw new IllegalArgumentException("seq_len: must be >= 1, got " + seqLen);
        }
        List<RowBuilder> rows = new ArrayList<>();
        int truncated = 0;
        int droppedTooLong = 0;
        int droppedNoTarget = 0;
        int packed = 0;
        long trained = 0;
        long used = 0;
        for (SftEncoder.Encoded e : examples) {
            SftEncoder.Encoded ex = e;
            if (ex.length() > seqLen + 1) {
                if (overflow == Overflow.DROP) {
                    droppedTooLong++;
                    continue;
                }
                ex = ex.truncate(seqLen + 1);
                truncated++;
            }
            int targets = ex.trainedTargets();
            if (targets == 0 || ex.length() < 2) {
                droppedNoTarget++;
                continue;
            }
            int need = ex.length() - 1;
            RowBuilder home = null;
            for (RowBuilder r : rows) {
                if (seqLen - r.used >= need) {
                    home = r;
                    break;
                }
            }
            if (home == null) {
                home = new RowBuilder(seqLen, padId);
                rows.add(home);
            }
            home.add(ex);
            packed++;
            trained += targets;
            used += need;
        }
        List<Row> out = rows.stream().map(RowBuilder::row).toList();
        Stats stats = new Stats(examples.size(), packed, truncated, droppedTooLong, droppedNoTarget, out.size(),
                trained, used, (long) out.size() * seqLen);
        return new Result(out, stats);
    }

    private static final class RowBuilder {
        final int[] tokens;
        final int[] targets;
        final int[] segments;
        int used;
        int nextSegment;

        RowBuilder(int seqLen, int padId) {
            tokens = new int[seqLen];
            targets = new int[seqLen];
            segments = new int[seqLen];
            Arrays.fill(tokens, padId);
            Arrays.fill(targets, -1);
            Arrays.fill(segments, -1);
        }

        void add(SftEncoder.Encoded ex) {
            int n = ex.length() - 1;
            int segment = nextSegment++;
            for (int i = 0; i < n; i++) {
                tokens[used + i] = ex.tokens()[i];
                targets[used + i] = ex.trained()[i + 1] ? ex.tokens()[i + 1] : -1;
                segments[used + i] = segment;
            }
            used += n;
        }

        Row row() {
            return new Row(tokens, targets, segments);
        }
    }
}
