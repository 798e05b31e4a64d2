package ai.stratum.tokenizer;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;

/**
 * Learns a byte-level BPE vocabulary from text, streaming the corpus.
 *
 * <ol>
 *   <li>Word counts: files are read in chunks cut only where GPT-2's pre-tokenizer is sure to split (after a
 *       newline that sits between two non-whitespace characters), so the counts equal those of splitting each
 *       whole file; worker threads count the chunks into their own {@link WordCounts}, summed at the end.</li>
 *   <li>Merges: the alphabet is the 256 bytes (ids 0..255 in byte order). Every adjacent pair of symbols in
 *       every distinct word is counted (times the word's count) and kept in an indexed max-heap. Each step
 *       takes the best pair, gives the merged token the next id, and rewrites only the words that contain
 *       the pair, updating the counts of the pairs around each occurrence (no recount of the corpus).</li>
 * </ol>
 *
 * <p>Special-token text in the corpus (e.g. {@code <|endoftext|>} between documents) is cut out before
 * counting, since encoding matches it before BPE.
 *
 * <p>Tie-breaking (the result never depends on hash or thread order): the best pair has the highest count;
 * among equal counts, the one whose left token's bytes are lexicographically smallest (as unsigned bytes),
 * then whose right token's bytes are. Training stops at {@code vocab_size} tokens (special tokens included,
 * given the last ids) or when the best pair occurs fewer than {@code min_frequency} times. A merge whose
 * result already exists (from another split of the same bytes) reuses that token's id, as Hugging Face's
 * trainer does.
 */
public final class BpeTrainer {
    /**
     * @param vocabSize     total tokens wanted: 256 bytes + merges + special tokens
     * @param minFrequency  a pair occurring fewer times than this is never merged
     * @param specialTokens special tokens, given the ids after the learned tokens in this order
     * @param threads       threads counting words
     */
    public record Options(int vocabSize, int minFrequency, List<String> specialTokens, int threads) {
        public Options {
            specialTokens = List.copyOf(specialTokens);
            if (specialTokens.stream().anyMatch(String::isEmpty) || specialTokens.stream().distinct().count() != specialTokens.size()) {
                throw new IllegalArgumentException("special_tokens: must be distinct non-empty strings, got " + specialTokens);
            }
            if (vocabSize < 256 + specialTokens.size()) {
                throw new IllegalArgumentException("vocab_size: must be at least 256 (the bytes) + " + specialTokens.size()
                        + " (special tokens), got " + vocabSize);
            }
            if (minFrequency < 1) {
                throw new IllegalArgumentException("min_frequency: must be at least 1, got " + minFrequency);
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads: must be at least 1, got " + threads);
            }
        }
    }

    private final Options options;
    private final Consumer<String> progress;
    private final SplitPattern pattern;
    private final boolean replaceInvalidUtf8;

    /** @param progress receives a line now and then (e.g. for stderr); may ignore it */
    public BpeTrainer(Options options, Consumer<String> progress) {
        this(options, progress, SplitPattern.GPT2, false);
    }

    private BpeTrainer(Options options, Consumer<String> progress, SplitPattern pattern, boolean replaceInvalidUtf8) {
        this.options = options;
        this.progress = progress;
        this.pattern = pattern;
        this.replaceInvalidUtf8 = replaceInvalidUtf8;
    }

    /** The same trainer splitting words with another pattern; the trained tokenizer's pre-tokenizer is that pattern. */
    public BpeTrainer withPattern(SplitPattern pattern) {
        return new BpeTrainer(options, progress, pattern, replaceInvalidUtf8);
    }

    /** The same trainer reading invalid UTF-8 as U+FFFD instead of refusing the file (naming the byte offset). */
    public BpeTrainer replacingInvalidUtf8(boolean replace) {
        return new BpeTrainer(options, progress, pattern, replace);
    }

    /** Counts words in the files, then learns merges. */
    public Tokenizer train(List<Path> files) {
        return train(countWords(files));
    }

    /** Counts the pre-tokens of files on {@code threads} threads, streaming each file in chunks. */
    public WordCounts countWords(List<Path> files) {
        int workers = options.threads();
        BlockingQueue<String> queue = new ArrayBlockingQueue<>(2 * workers);
        String end = new String("end of input"); // compared by identity: no chunk can be this object
        List<WordCounts> partial = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        RuntimeException[] failure = new RuntimeException[1];
        for (int w = 0; w < workers; w++) {
            WordCounts counts = new WordCounts(pattern.scanner());
            partial.add(counts);
            Thread t = new Thread(() -> {
                try {
                    for (String chunk = queue.take(); chunk != end; chunk = queue.take()) {
                        try {
                            counts.addText(chunk, options.specialTokens());
                        } catch (RuntimeException e) {
                            synchronized (failure) {
                                failure[0] = e; // keep draining so the reader never blocks
                            }
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "stratum-bpe-count-" + w);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        long chars = 0;
        try {
            for (Path file : files) {
                chars += readChunks(file, TextChunks.DEFAULT_CHUNK_CHARS, options.specialTokens(), replaceInvalidUtf8,
                        chunk -> put(queue, chunk));
                progress.accept(String.format("counted %s (%,d chars so far)", file, chars));
            }
        } catch (RuntimeException e) {
            synchronized (failure) {
                failure[0] = e;
            }
        } finally {
            for (int w = 0; w < workers; w++) {
                put(queue, end);
            }
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while counting words", e);
                }
            }
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        WordCounts total = partial.get(0);
        for (int w = 1; w < workers; w++) {
            total.addAll(partial.get(w));
        }
        progress.accept(String.format("%,d words, %,d distinct", total.total(), total.size()));
        return total;
    }

    private static void put(BlockingQueue<String> queue, String chunk) {
        try {
            queue.put(chunk);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading input", e);
        }
    }

    /**
     * Reads a UTF-8 file in chunks cut where encoding splits; returns chars read. Invalid UTF-8 is refused with the
     * byte offset ({@link Utf8Input.InvalidUtf8Exception}) or, when {@code replace}, read as U+FFFD.
     */
    static long readChunks(Path file, int chunkChars, List<String> specialTokens, boolean replace, Consumer<String> sink) {
        try (Reader reader = Utf8Input.reader(Files.newInputStream(file), file.toString(), replace)) {
            return TextChunks.read(reader, chunkChars, specialTokens, sink);
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException(file + ": cannot read: " + e.getMessage(), e));
        }
    }

    /** Learns merges from word counts. */
    public Tokenizer train(WordCounts counts) {
        int target = options.vocabSize() - options.specialTokens().size();
        MergeState state = new MergeState(counts);
        progress.accept(String.format("%,d distinct pairs; learning up to %,d merges", state.pairCount(), target - 256));
        while (state.tokenCount() < target) {
            if (!state.mergeBest(options.minFrequency())) {
                progress.accept(String.format("stopped at %,d tokens: no pair occurs %d or more times",
                        state.tokenCount(), options.minFrequency()));
                break;
            }
            if (state.mergeCount() % 1000 == 0) {
                progress.accept(String.format("%,d merges, %,d tokens", state.mergeCount(), state.tokenCount()));
            }
        }
        String[] tokens = new String[state.tokenCount()];
        for (int id = 0; id < tokens.length; id++) {
            tokens[id] = ByteLevel.encode(state.tokenBytes.get(id));
        }
        List<String[]> merges = new ArrayList<>(state.mergeCount());
        for (int r = 0; r < state.mergeCount(); r++) {
            merges.add(new String[] {tokens[state.mergeLeft.get(r)], tokens[state.mergeRight.get(r)]});
        }
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (String special : options.specialTokens()) {
            specials.put(special, tokens.length + specials.size());
        }
        Tokenizer trained = new Tokenizer(new BytePairModel(tokens, merges), specials);
        return pattern == SplitPattern.GPT2 ? trained : trained.withPipeline(pattern, null);
    }

    /** Words as symbol arrays, pair counts, the words each pair occurs in, and the indexed heap of pairs. */
    private static final class MergeState {
        final List<byte[]> tokenBytes = new ArrayList<>();
        final Map<String, Integer> idOfBytes = new java.util.HashMap<>();
        final IntList mergeLeft = new IntList(1024);
        final IntList mergeRight = new IntList(1024);
        final int[][] words;
        final long[] wordCounts;
        final int[] lastMergeSeen;
        // Pair slots: left, right, count, words containing it (may hold stale entries), heap position.
        final LongLongMap slotOf = new LongLongMap(1 << 16);
        int slots;
        int[] left = new int[1 << 16];
        int[] right = new int[1 << 16];
        long[] count = new long[1 << 16];
        IntList[] wordsOf = new IntList[1 << 16];
        int[] heapPos = new int[1 << 16];
        int[] heap = new int[1 << 16];
        int heapSize;

        MergeState(WordCounts counts) {
            for (int b = 0; b < 256; b++) {
                tokenBytes.add(new byte[] {(byte) b});
                idOfBytes.put(new String(new byte[] {(byte) b}, StandardCharsets.ISO_8859_1), b);
            }
            List<int[]> wordList = new ArrayList<>();
            List<Long> countList = new ArrayList<>();
            counts.forEach((word, c) -> {
                byte[] utf8 = Utf8.encode(word);
                if (utf8.length < 2) {
                    return; // no pairs
                }
                int[] symbols = new int[utf8.length];
                for (int i = 0; i < utf8.length; i++) {
                    symbols[i] = utf8[i] & 0xFF;
                }
                wordList.add(symbols);
                countList.add(c);
            });
            words = wordList.toArray(new int[0][]);
            wordCounts = new long[words.length];
            for (int w = 0; w < words.length; w++) {
                wordCounts[w] = countList.get(w);
            }
            lastMergeSeen = new int[words.length];
            java.util.Arrays.fill(lastMergeSeen, -1);
            for (int w = 0; w < words.length; w++) {
                int[] s = words[w];
                for (int i = 0; i + 1 < s.length; i++) {
                    change(s[i], s[i + 1], wordCounts[w], w);
                }
            }
        }

        int tokenCount() {
            return tokenBytes.size();
        }

        int mergeCount() {
            return mergeLeft.size();
        }

        int pairCount() {
            return slots;
        }

        /** Merges the best pair if it occurs at least minFrequency times; returns false otherwise. */
        boolean mergeBest(int minFrequency) {
            if (heapSize == 0 || count[heap[0]] < minFrequency) {
                return false;
            }
            int best = heap[0];
            int a = left[best];
            int b = right[best];
            byte[] merged = concat(tokenBytes.get(a), tokenBytes.get(b));
            String key = new String(merged, StandardCharsets.ISO_8859_1);
            Integer existing = idOfBytes.get(key);
            int id;
            if (existing != null) {
                id = existing;
            } else {
                id = tokenBytes.size();
                tokenBytes.add(merged);
                idOfBytes.put(key, id);
            }
            int rank = mergeLeft.size();
            mergeLeft.add(a);
            mergeRight.add(b);
            IntList occurrences = wordsOf[best];
            wordsOf[best] = new IntList(0);
            for (int k = 0; k < occurrences.size(); k++) {
                int w = occurrences.get(k);
                if (lastMergeSeen[w] != rank) {
                    lastMergeSeen[w] = rank;
                    mergeInWord(w, a, b, id);
                }
            }
            return true;
        }

        /**
         * Replaces each (a, b) in word w, left to right, by id; for each occurrence the pair itself loses the
         * word's count, and so do its neighbour pairs (prev, a) and (b, next), which become (prev, id) and (id, next).
         */
        private void mergeInWord(int w, int a, int b, int id) {
            int[] s = words[w];
            long c = wordCounts[w];
            int[] out = new int[s.length];
            int n = 0;
            for (int i = 0; i < s.length; ) {
                if (i + 1 < s.length && s[i] == a && s[i + 1] == b) {
                    change(a, b, -c, -1);
                    if (n > 0) {
                        change(out[n - 1], a, -c, -1);
                        change(out[n - 1], id, c, w);
                    }
                    if (i + 2 < s.length) {
                        change(b, s[i + 2], -c, -1);
                        change(id, s[i + 2], c, w);
                    }
                    out[n++] = id;
                    i += 2;
                } else {
                    out[n++] = s[i++];
                }
            }
            if (n != s.length) {
                words[w] = java.util.Arrays.copyOf(out, n);
            }
        }

        /** Adds delta to the count of pair (x, y); a positive change records word w as containing it. */
        private void change(int x, int y, long delta, int w) {
            long key = (long) x << 32 | y;
            long found = slotOf.get(key);
            int slot;
            if (found < 0) {
                slot = newSlot(x, y);
                slotOf.put(key, slot);
            } else {
                slot = (int) found;
            }
            count[slot] += delta;
            if (delta > 0) {
                IntList list = wordsOf[slot];
                if (list.size() == 0 || list.get(list.size() - 1) != w) {
                    list.add(w);
                }
                siftUp(heapPos[slot]);
            } else {
                siftDown(heapPos[slot]);
            }
        }

        private int newSlot(int x, int y) {
            if (slots == left.length) {
                int n = slots * 2;
                left = java.util.Arrays.copyOf(left, n);
                right = java.util.Arrays.copyOf(right, n);
                count = java.util.Arrays.copyOf(count, n);
                wordsOf = java.util.Arrays.copyOf(wordsOf, n);
                heapPos = java.util.Arrays.copyOf(heapPos, n);
                heap = java.util.Arrays.copyOf(heap, n);
            }
            int slot = slots++;
            left[slot] = x;
            right[slot] = y;
            wordsOf[slot] = new IntList(4);
            heap[heapSize] = slot;
            heapPos[slot] = heapSize++;
            return slot;
        }

        /** Whether pair slot p ranks before q: higher count, then smaller left bytes, then smaller right bytes. */
        private boolean before(int p, int q) {
            if (count[p] != count[q]) {
                return count[p] > count[q];
            }
            int cmp = java.util.Arrays.compareUnsigned(tokenBytes.get(left[p]), tokenBytes.get(left[q]));
            if (cmp == 0) {
                cmp = java.util.Arrays.compareUnsigned(tokenBytes.get(right[p]), tokenBytes.get(right[q]));
            }
            return cmp < 0;
        }

        private void siftUp(int i) {
            int slot = heap[i];
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!before(slot, heap[parent])) {
                    break;
                }
                heap[i] = heap[parent];
                heapPos[heap[i]] = i;
                i = parent;
            }
            heap[i] = slot;
            heapPos[slot] = i;
        }

        private void siftDown(int i) {
            int slot = heap[i];
            while (true) {
                int child = 2 * i + 1;
                if (child >= heapSize) {
                    break;
                }
                if (child + 1 < heapSize && before(heap[child + 1], heap[child])) {
                    child++;
                }
                if (!before(heap[child], slot)) {
                    break;
                }
                heap[i] = heap[child];
                heapPos[heap[i]] = i;
                i = child;
            }
            heap[i] = slot;
            heapPos[slot] = i;
        }

        private static byte[] concat(byte[] x, byte[] y) {
            byte[] out = java.util.Arrays.copyOf(x, x.length + y.length);
            System.arraycopy(y, 0, out, x.length, y.length);
            return out;
        }
    }
}
