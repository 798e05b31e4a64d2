package ai.stratum.train.data;

import ai.stratum.fixtures.tokens.SyntheticShards;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardSamplerTest {

    private static final int T = 4;

    @TempDir
    Path dir;
    private List<Path> shards;

    /** Shard s holds tokens 1000*s, 1000*s + 1, ...: every window says where it came from. */
    @BeforeEach
    void writeShards() throws IOException {
        int[] sizes = {21, 13, 3};
        shards = new ArrayList<>();
        for (int s = 0; s < sizes.length; s++) {
            int[] tokens = new int[sizes[s]];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = 1000 * s + i;
            }
            Path p = dir.resolve("s" + s + ".bin");
            SyntheticShards.writeShard(p, tokens, false);
            shards.add(p);
        }
    }

    /** The window starts (1000 * shard + offset) of the next {@code n} rows. */
    private static List<Integer> starts(ShardSampler sampler, int rows) {
        List<Integer> out = new ArrayList<>();
        int[] tokens = new int[sampler.batch() * T];
        int[] targets = new int[sampler.batch() * T];
        for (int r = 0; r < rows / sampler.batch(); r++) {
            assertFalse(sampler.next(tokens, targets, null), "one document stream per row: no segment ids");
            for (int b = 0; b < sampler.batch(); b++) {
                for (int t = 0; t < T; t++) {
                    assertEquals(tokens[b * T + t] + 1, targets[b * T + t], "targets are tokens shifted by one");
                    assertEquals(tokens[b * T] + t, tokens[b * T + t], "a row is consecutive tokens");
                }
                out.add(tokens[b * T]);
            }
        }
        return out;
    }

    @Test
    void sequentialReadsEveryWindowInFileOrderThenWraps() throws IOException {
        // shard 0: (21 - 1) / 4 = 5 windows; shard 1: 3 windows; shard 2 (3 tokens) holds none
        try (ShardSampler s = ShardSampler.open(shards, 2, T, 5000, 9, false, DataPosition.START)) {
            assertEquals(List.of(0, 4, 8, 12, 16, 1000, 1004, 1008, 0, 4), starts(s, 10));
        }
    }

    @Test
    void shuffledVisitsEveryWindowOncePerEpochInASeededOrder() throws IOException {
        List<Integer> first;
        try (ShardSampler s = ShardSampler.open(shards, 1, T, 5000, 9, true, DataPosition.START)) {
            first = starts(s, 16);
        }
        List<Integer> epoch0 = new ArrayList<>(first.subList(0, 8));
        List<Integer> epoch1 = new ArrayList<>(first.subList(8, 16));
        assertFalse(epoch0.equals(epoch1), "epochs differ in order: " + first);
        epoch0.sort(null);
        epoch1.sort(null);
        List<Integer> all = List.of(0, 4, 8, 12, 16, 1000, 1004, 1008);
        assertEquals(all, epoch0);
        assertEquals(all, epoch1);
        try (ShardSampler again = ShardSampler.open(shards, 1, T, 5000, 9, true, DataPosition.START);
             ShardSampler other = ShardSampler.open(shards, 1, T, 5000, 10, true, DataPosition.START)) {
            assertEquals(first, starts(again, 16));
            assertFalse(first.equals(starts(other, 16)));
        }
    }

    @Test
    void reopeningAtASavedPositionContinuesTheSameStream() throws IOException {
        List<Integer> uninterrupted;
        try (ShardSampler s = ShardSampler.open(shards, 2, T, 5000, 3, true, DataPosition.START)) {
            uninterrupted = starts(s, 30);
        }
        DataPosition saved;
        List<Integer> resumed = new ArrayList<>();
        try (ShardSampler s = ShardSampler.open(shards, 2, T, 5000, 3, true, DataPosition.START)) {
            resumed.addAll(starts(s, 12));
            saved = s.position();
        }
        try (ShardSampler s = ShardSampler.open(shards, 2, T, 5000, 3, true, saved)) {
            resumed.addAll(starts(s, 18));
        }
        assertEquals(uninterrupted, resumed);
    }

    @Test
    void tokenOutsideTheVocabularyNamesTheShardWhenItIsOpened() {
        // found at open, before any batch is read
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShardSampler.open(shards, 1, T, 1002, 3, false, DataPosition.START));
        assertTrue(e.getMessage().startsWith("model.vocab_size: ") && e.getMessage().contains("s1.bin holds token id ")
                && e.getMessage().contains("vocabulary of 1002"), e.getMessage());
    }

    @Test
    void permutationIsAPermutation() {
        int[] p = ShardSampler.permutation(1000, 77);
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
        assertArrayEquals(p, ShardSampler.permutation(1000, 77));
        assertTrue(p[0] != 0 || p[1] != 1 || p[2] != 2);
    }
}
