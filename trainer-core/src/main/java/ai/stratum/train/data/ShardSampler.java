package ai.stratum.train.data;

import ai.stratum.util.Seeds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Micro-batches of (tokens, targets) from token shards. A shard of n tokens holds (n - 1) / T windows of
 * T + 1 consecutive tokens (window w starts at token w * T); a row's targets are its tokens shifted by one.
 *
 * <p>Shuffled (training): each epoch visits the shards in a permuted order, and each shard's windows in a
 * permuted order; both permutations are pure functions of (seed, epoch, shard), so the {@link DataPosition}
 * alone restores the stream. Sequential (validation): shards and windows in file order, restarting at the end.
 */
public final class ShardSampler implements BatchSource {

    private final List<TokenShard> shards;
    private final int batch;
    private final int seqLen;
    private final long seed;
    private final boolean shuffle;
    private final int[] window;
    private long epoch;
    private int shardCursor;
    private long windowCursor;
    private int[] shardOrder;
    private int[] windowOrder;

    private ShardSampler(List<TokenShard> shards, int batch, int seqLen, long seed, boolean shuffle) {
        this.shards = shards;
        this.batch = batch;
        this.seqLen = seqLen;
        this.seed = seed;
        this.shuffle = shuffle;
        this.window = new int[seqLen + 1];
    }

    /**
     * Opens the shards; those shorter than {@code seqLen + 1} tokens hold no window and are skipped.
     *
     * @param vocabSize every token must be below it (the model's vocabulary); checked when a shard is opened
     */
    public static ShardSampler open(List<Path> paths, int batch, int seqLen, int vocabSize, long seed,
                                    boolean shuffle, DataPosition start) throws IOException {
        List<TokenShard> usable = new ArrayList<>();
        try {
            for (Path p : paths) {
                TokenShard shard = TokenShard.open(p);
                if (shard.tokenCount() > seqLen) {
                    usable.add(shard);
                    checkVocabulary(shard, vocabSize);
                } else {
                    shard.close();
                }
            }
        } catch (IOException | RuntimeException e) {
            for (TokenShard s : usable) {
                s.close();
            }
            throw e;
        }
        if (usable.isEmpty()) {
            throw new IOException("no shard among " + paths + " holds a sequence of seq_len + 1 = " + (seqLen + 1)
                    + " tokens");
        }
        ShardSampler sampler = new ShardSampler(usable, batch, seqLen, seed, shuffle);
        sampler.seek(start);
        return sampler;
    }

    /** Every token of the shard is below {@code vocabSize}: checked once at open, not hours later at its batch. */
    private static void checkVocabulary(TokenShard shard, int vocabSize) throws IOException {
        long max = shard.summary().maxTokenId();
        if (max >= vocabSize) {
            throw new IllegalArgumentException("model.vocab_size: " + shard.path() + " holds token id " + max
                    + ", outside the model's vocabulary of " + vocabSize + "; set model.vocab_size to the tokenizer's "
                    + "vocabulary size (at least " + (max + 1) + ") or re-tokenize the data");
        }
    }

    private long windows(TokenShard shard) {
        return (shard.tokenCount() - 1) / seqLen;
    }

    private void seek(DataPosition position) {
        epoch = position.epoch();
        shardOrder = shuffle ? permutation(shards.size(), Seeds.derive(seed, epoch)) : identity(shards.size());
        if (position.shard() >= shards.size()) {
            throw new IllegalArgumentException("data_position: shard " + position.shard() + " but the data has "
                    + shards.size() + " usable shards; resume with the same --data");
        }
        shardCursor = position.shard();
        loadShardOrder();
        if (position.window() > windowOrder.length) {
            throw new IllegalArgumentException("data_position: window " + position.window() + " but shard "
                    + shards.get(shardOrder[shardCursor]) + " has " + windowOrder.length + "; resume with the same --data");
        }
        windowCursor = position.window();
    }

    private void loadShardOrder() {
        int n = Math.toIntExact(windows(shards.get(shardOrder[shardCursor])));
        windowOrder = shuffle ? permutation(n, Seeds.derive(seed, epoch, shardOrder[shardCursor])) : identity(n);
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    /** Fisher-Yates with a seeded generator. */
    public static int[] permutation(int n, long seed) {
        int[] a = identity(n);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /** The position of the next window to be read. */
    @Override
    public DataPosition position() {
        return new DataPosition(epoch, shardCursor, windowCursor);
    }

    /**
     * Fills {@code tokens} and {@code targets}, each (B, T) row-major, with the next B windows; every row is one
     * stream of documents, so {@code segments} is left untouched (it may be null) and the result is false.
     */
    @Override
    public boolean next(int[] tokens, int[] targets, int[] segments) {
        for (int b = 0; b < batch; b++) {
            if (windowCursor == windowOrder.length) {
                advanceShard();
            }
            TokenShard shard = shards.get(shardOrder[shardCursor]);
            long start = (long) windowOrder[(int) windowCursor] * seqLen;
            try {
                shard.read(start, window, 0, seqLen + 1);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            System.arraycopy(window, 0, tokens, b * seqLen, seqLen);
            System.arraycopy(window, 1, targets, b * seqLen, seqLen);
            windowCursor++;
        }
        return false;
    }

    private void advanceShard() {
        shardCursor++;
        if (shardCursor == shards.size()) {
            seek(new DataPosition(epoch + 1, 0, 0));
        } else {
            loadShardOrder();
            windowCursor = 0;
        }
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public int seqLen() {
        return seqLen;
    }

    @Override
    public void close() throws IOException {
        for (TokenShard s : shards) {
            s.close();
        }
    }
}
