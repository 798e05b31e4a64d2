package ai.stratum.tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A GPT-2 style byte-level BPE tokenizer: GPT-2's pre-tokenizer split ({@link Gpt2PreTokenizer}), UTF-8
 * bytes, lowest-rank merge first ({@link BytePairModel}), and special tokens matched before BPE.
 *
 * <p>Special-token policy: {@link #encodeOrdinary} encodes text such as {@code "<|endoftext|>"} as plain
 * text (several ordinary tokens), so that untrusted input cannot forge a document boundary or a chat marker.
 * {@link #encode(String, Set)} matches only the listed special tokens, leftmost first and, at one position,
 * the longest; the text between them is encoded ordinarily.
 *
 * <p>Lone surrogates: a Java string may hold an unpaired UTF-16 surrogate, which has no UTF-8 form. It is
 * encoded as U+FFFD (bytes EF BF BD), as Java's and every standard UTF-8 encoder do; since both are
 * "other" characters to the pre-tokenizer, {@code encode(s)} equals {@code encode(s')} where s' has its lone
 * surrogates replaced by U+FFFD. So {@code decode(encode(s)).equals(s)} for every well-formed string, and
 * {@code decode(encode(s))} is s' otherwise.
 *
 * <p>Immutable and thread-safe; each thread keeps its own bounded cache of encoded pre-tokens.
 */
public final class Tokenizer {
    public static final String END_OF_TEXT = "<|endoftext|>";
    private static final int CACHE_SLOTS = 1 << 16;

    private final BytePairModel model;
    /** Special token content -> id, ordered by id. */
    private final Map<String, Integer> specials;
    private final byte[][] decodeTable;
    private final ThreadLocal<EncodeState> state = ThreadLocal.withInitial(EncodeState::new);

    Tokenizer(BytePairModel model, Map<String, Integer> specialTokens) {
        this.model = model;
        List<Map.Entry<String, Integer>> entries = new ArrayList<>(specialTokens.entrySet());
        entries.sort(Map.Entry.comparingByValue());
        Map<String, Integer> ordered = new LinkedHashMap<>();
        int size = model.tokens.length;
        for (Map.Entry<String, Integer> e : entries) {
            int id = e.getValue();
            if (e.getKey().isEmpty()) {
                throw new IllegalArgumentException("special token with id " + id + " is empty");
            }
            if (id < 0) {
                throw new IllegalArgumentException("special token '" + e.getKey() + "' has negative id " + id);
            }
            if (id < model.tokens.length && model.tokens[id] != null) {
                throw new IllegalArgumentException("special token '" + e.getKey() + "' has id " + id
                        + ", which is already the vocab token '" + model.tokens[id] + "'");
            }
            if (ordered.containsValue(id)) {
                throw new IllegalArgumentException("special token '" + e.getKey() + "' reuses id " + id);
            }
            ordered.put(e.getKey(), id);
            size = Math.max(size, id + 1);
        }
        this.specials = Collections.unmodifiableMap(ordered);
        this.decodeTable = new byte[size][];
        System.arraycopy(model.bytes, 0, decodeTable, 0, model.bytes.length);
        for (Map.Entry<String, Integer> e : ordered.entrySet()) {
            decodeTable[e.getValue()] = e.getKey().getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * Loads a tokenizer: a Hugging Face {@code tokenizer.json} file, a directory holding one, or a directory
     * holding GPT-2's {@code encoder.json} and {@code vocab.bpe} (or the same files as Hugging Face names them,
     * {@code vocab.json} and {@code merges.txt}).
     *
     * @throws TokenizerFileException if the file is missing or malformed (the message names it)
     */
    public static Tokenizer load(Path path) {
        if (Files.isDirectory(path)) {
            Path json = path.resolve("tokenizer.json");
            if (Files.exists(json)) {
                return TokenizerJson.read(json);
            }
            // GPT-2's original names, then the names Hugging Face's slow GPT2Tokenizer saves (same formats)
            for (String[] names : new String[][] {{"encoder.json", "vocab.bpe"}, {"vocab.json", "merges.txt"}}) {
                Path encoder = path.resolve(names[0]);
                Path merges = path.resolve(names[1]);
                if (Files.exists(encoder) && Files.exists(merges)) {
                    return Gpt2Files.read(encoder, merges);
                }
            }
            throw new TokenizerFileException(path, "directory holds none of tokenizer.json, GPT-2's encoder.json + "
                    + "vocab.bpe, or Hugging Face's vocab.json + merges.txt");
        }
        if (!Files.exists(path)) {
            throw new TokenizerFileException(path, "no such tokenizer file or directory");
        }
        return TokenizerJson.read(path);
    }

    /** Loads GPT-2's {@code encoder.json} and {@code vocab.bpe}; {@code <|endoftext|>} in the encoder becomes special. */
    public static Tokenizer gpt2(Path encoderJson, Path vocabBpe) {
        return Gpt2Files.read(encoderJson, vocabBpe);
    }

    /**
     * Builds a tokenizer from a tiktoken rank file (e.g. {@code r50k_base.tiktoken}: GPT-2's vocabulary),
     * recovering the merge list from the ranks (see {@link TiktokenRanks}).
     *
     * @param specialTokens special token -> id, e.g. {@code <|endoftext|>} -> 50256 for GPT-2
     * @throws IllegalArgumentException naming the source and line of a malformed entry
     */
    public static Tokenizer fromTiktoken(java.io.InputStream ranks, String sourceName, Map<String, Integer> specialTokens)
            throws java.io.IOException {
        return TiktokenRanks.read(ranks, sourceName, specialTokens);
    }

    /** Writes GPT-2's {@code encoder.json} and {@code vocab.bpe} into a directory, atomically each. */
    public void saveGpt2(Path dir) {
        Gpt2Files.write(this, dir);
    }

    /** Writes a Hugging Face {@code tokenizer.json} atomically. */
    public void save(Path tokenizerJson) {
        TokenizerJson.write(this, tokenizerJson);
    }

    /** Encodes every character as text, including text that spells a special token. */
    public int[] encodeOrdinary(String text) {
        EncodeState s = state.get();
        IntList out = new IntList(text.length() / 3 + 8);
        char[] chars = text.toCharArray();
        encodeSegment(chars, 0, chars.length, out, s);
        return out.toArray();
    }

    /**
     * Encodes text, matching the listed special tokens first (leftmost, then longest); any other special
     * token text is encoded as plain text.
     *
     * @throws IllegalArgumentException if a listed token is not a special token of this tokenizer
     */
    public int[] encode(String text, Set<String> allowedSpecial) {
        if (allowedSpecial.isEmpty()) {
            return encodeOrdinary(text);
        }
        List<String> allowed = checkSpecial(allowedSpecial);
        allowed.sort((a, b) -> b.length() != a.length() ? b.length() - a.length() : a.compareTo(b));
        int[] nextAt = new int[allowed.size()];
        for (int t = 0; t < nextAt.length; t++) {
            nextAt[t] = text.indexOf(allowed.get(t));
        }
        EncodeState s = state.get();
        IntList out = new IntList(text.length() / 3 + 8);
        char[] chars = text.toCharArray();
        int pos = 0;
        while (true) {
            int best = -1;
            for (int t = 0; t < nextAt.length; t++) {
                if (nextAt[t] >= 0 && nextAt[t] < pos) {
                    nextAt[t] = text.indexOf(allowed.get(t), pos);
                }
                if (nextAt[t] >= 0 && (best < 0 || nextAt[t] < nextAt[best])) {
                    best = t;
                }
            }
            if (best < 0) {
                encodeSegment(chars, pos, chars.length, out, s);
                return out.toArray();
            }
            String token = allowed.get(best);
            encodeSegment(chars, pos, nextAt[best], out, s);
            out.add(specials.get(token));
            pos = nextAt[best] + token.length();
        }
    }

    /**
     * Encodes a stream chunk by chunk, never holding the whole text: chunks end only where encoding is sure to
     * split (see {@link TextChunks}), so the ids handed to {@code sink}, concatenated, equal
     * {@code encode(wholeText, allowedSpecial)}. Returns the number of chars read.
     */
    public long encode(java.io.Reader reader, Set<String> allowedSpecial, java.util.function.Consumer<int[]> sink)
            throws java.io.IOException {
        return encode(reader, allowedSpecial, sink, TextChunks.DEFAULT_CHUNK_CHARS);
    }

    long encode(java.io.Reader reader, Set<String> allowedSpecial, java.util.function.Consumer<int[]> sink, int chunkChars)
            throws java.io.IOException {
        List<String> allowed = checkSpecial(allowedSpecial);
        return TextChunks.read(reader, chunkChars, allowed, chunk -> sink.accept(encode(chunk, allowedSpecial)));
    }

    private List<String> checkSpecial(Set<String> allowedSpecial) {
        List<String> allowed = new ArrayList<>(allowedSpecial);
        for (String token : allowed) {
            if (!specials.containsKey(token)) {
                throw new IllegalArgumentException("'" + token + "' is not a special token of this tokenizer; known: "
                        + specials.keySet());
            }
        }
        return allowed;
    }

    /**
     * Encodes many texts on {@code threads} threads (ordinary encoding); results in input order. The calling
     * thread works too; the others come from one process-wide pool of daemon threads, which live on so that
     * their piece caches stay warm from one batch to the next.
     */
    public List<int[]> encodeOrdinaryBatch(List<String> texts, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        int[][] results = new int[texts.size()][];
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int i = next.getAndIncrement(); i < texts.size(); i = next.getAndIncrement()) {
                results[i] = encodeOrdinary(texts.get(i));
            }
        };
        List<Future<?>> helpers = new ArrayList<>();
        for (int w = 1; w < Math.min(threads, texts.size()); w++) {
            helpers.add(BatchPool.POOL.submit(worker));
        }
        worker.run();
        try {
            for (Future<?> f : helpers) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while encoding", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
        return List.of(results);
    }

    /** Created on first use only; daemon threads, so an idle pool never keeps the JVM alive. */
    private static final class BatchPool {
        static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "stratum-encode");
            t.setDaemon(true);
            return t;
        });
    }

    /** The UTF-8 bytes of the tokens, concatenated. */
    public byte[] decodeBytes(int[] ids) {
        int total = 0;
        for (int id : ids) {
            total += raw(id).length;
        }
        byte[] out = new byte[total];
        int pos = 0;
        for (int id : ids) {
            byte[] b = decodeTable[id];
            System.arraycopy(b, 0, out, pos, b.length);
            pos += b.length;
        }
        return out;
    }

    /**
     * Decodes ids to text; bytes that are not valid UTF-8 (a token sequence cut inside a character) become U+FFFD.
     *
     * @throws IllegalArgumentException naming the first unknown id
     */
    public String decode(int[] ids) {
        return new String(decodeBytes(ids), StandardCharsets.UTF_8);
    }

    /** The raw bytes of one token (a special token's UTF-8 text). */
    public byte[] bytesOf(int id) {
        return raw(id).clone();
    }

    private byte[] raw(int id) {
        if (id < 0 || id >= decodeTable.length) {
            throw new IllegalArgumentException("unknown token id " + id + ": valid ids are 0.." + (decodeTable.length - 1));
        }
        if (decodeTable[id] == null) {
            throw new IllegalArgumentException("unknown token id " + id + ": no token has this id in this vocabulary");
        }
        return decodeTable[id];
    }

    /** One more than the highest id: BPE tokens and special tokens. */
    public int vocabSize() {
        return decodeTable.length;
    }

    public int mergeCount() {
        return model.mergeCount();
    }

    public OptionalInt specialTokenId(String token) {
        Integer id = specials.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Special tokens and their ids, ordered by id. */
    public Map<String, Integer> specialTokens() {
        return specials;
    }

    /** @throws IllegalStateException if this tokenizer has no {@code <|endoftext|>} special token */
    public int eotId() {
        Integer id = specials.get(END_OF_TEXT);
        if (id == null) {
            throw new IllegalStateException("this tokenizer has no " + END_OF_TEXT + " special token; add it with "
                    + "withSpecialTokens or train with --special " + END_OF_TEXT);
        }
        return id;
    }

    /** A tokenizer with the given special tokens added (ids after the current vocab, in list order); known ones are kept. */
    public Tokenizer withSpecialTokens(List<String> tokens) {
        Map<String, Integer> merged = new LinkedHashMap<>(specials);
        int next = vocabSize();
        for (String token : tokens) {
            if (token == null || token.isEmpty()) {
                throw new IllegalArgumentException("special tokens must be non-empty strings");
            }
            if (!merged.containsKey(token)) {
                merged.put(token, next++);
            }
        }
        return new Tokenizer(model, merged);
    }

    /**
     * SHA-256 (hex) of the canonical content: each BPE token as "id token\n" by id, each merge as
     * "left right\n" by rank, each special token as "id content\n" by id, with sections separated by a
     * line "--". Equal for tokenizers that encode and decode identically, whatever file they came from.
     */
    public String fingerprint() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            StringBuilder sb = new StringBuilder();
            for (int id = 0; id < model.tokens.length; id++) {
                if (model.tokens[id] != null) {
                    sb.append(id).append(' ').append(model.tokens[id]).append('\n');
                }
            }
            sb.append("--\n");
            for (int rank = 0; rank < model.mergeCount(); rank++) {
                sb.append(model.tokens[model.mergeLeft[rank]]).append(' ').append(model.tokens[model.mergeRight[rank]]).append('\n');
            }
            sb.append("--\n");
            specials.forEach((token, id) -> sb.append(id).append(' ').append(token).append('\n'));
            return HexFormat.of().formatHex(sha.digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    BytePairModel model() {
        return model;
    }

    private void encodeSegment(char[] text, int from, int to, IntList out, EncodeState s) {
        int i = from;
        while (i < to) {
            int j = Gpt2PreTokenizer.tokenEnd(text, i, to);
            char c = text[i];
            if (j - i == 1 && c < 0x80) {
                out.add(model.byteId(c));
            } else {
                encodePiece(text, i, j, out, s);
            }
            i = j;
        }
    }

    private void encodePiece(char[] text, int from, int to, IntList out, EncodeState s) {
        boolean cacheable = to - from <= PieceCache.MAX_PIECE_CHARS;
        int hash = 0;
        if (cacheable) {
            hash = PieceCache.hash(text, from, to);
            int[] cached = s.cache.get(text, from, to, hash);
            if (cached != null) {
                out.addAll(cached, cached.length);
                return;
            }
        }
        int len = s.utf8(text, from, to);
        int start = out.size();
        model.encode(s.buf, len, out);
        if (cacheable) {
            int[] ids = new int[out.size() - start];
            for (int k = 0; k < ids.length; k++) {
                ids[k] = out.get(start + k);
            }
            s.cache.put(text, from, to, hash, ids);
        }
    }

    /** Per-thread scratch space: the piece cache and a UTF-8 buffer. */
    private static final class EncodeState {
        final PieceCache cache = new PieceCache(CACHE_SLOTS);
        byte[] buf = new byte[256];

        /** UTF-8 of text[from, to) into buf; returns the byte count. */
        int utf8(char[] text, int from, int to) {
            if (buf.length < 3 * (to - from)) {
                buf = new byte[3 * (to - from)];
            }
            return Utf8.encode(text, from, to, buf);
        }
    }
}
