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
 * A BPE tokenizer as a Hugging Face tokenizer.json describes it: added tokens matched first, then normalizer ->
 * pre-tokenizer -> BPE model ({@link BytePairModel}: lowest-rank merge first) -> post-processor on request, and
 * a decoder back (see {@link TokenizerJson} and the component classes). GPT-2's pipeline and the Llama 3 / Qwen2
 * split patterns run through hand-written scanners ({@link Gpt2PreTokenizer}, {@link Cl100kPreTokenizer}) over
 * UTF-8 bytes; every other pipeline through the generic components.
 *
 * <p>Special-token policy: {@link #encodeOrdinary} encodes text such as {@code "<|endoftext|>"} as plain
 * text (several ordinary tokens), so that untrusted input cannot forge a document boundary or a chat marker.
 * {@link #encode(String, Set)} matches only the listed special tokens, leftmost first and, at one position,
 * the longest; the text between them is encoded ordinarily. Added tokens that are not special (Qwen3's
 * {@code <think>}) are matched in every text, as Hugging Face does.
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
    private final Pipeline pipeline;
    /** Added tokens by id. */
    private final List<AddedToken> added;
    /** Special token content -> id, ordered by id. */
    private final Map<String, Integer> specials;
    /** Every added token's content -> id. */
    private final Map<String, Integer> addedIds;
    /** Token bytes by id for byte-level decoding; null where no token has the id. */
    private final byte[][] decodeTable;
    /** Token strings by id (model tokens as in the vocab, added tokens' content); null where no token has the id. */
    private final String[] tokenStrings;
    private final boolean[] isSpecial;
    /** Matchers of the added tokens matched in raw text: non-special only, and with every special token. */
    private final AddedTokenMatcher rawOrdinary;
    private final AddedTokenMatcher rawAllSpecial;
    private final AddedTokenMatcher normalizedOrdinary;
    private final AddedTokenMatcher normalizedAllSpecial;
    /** The hand-written pre-tokenizer for the whole pipeline's split, or null (generic path). */
    private final SplitScanner scanner;
    private final boolean byteLevelDecode;
    private final ThreadLocal<EncodeState> state = ThreadLocal.withInitial(EncodeState::new);

    /**
     * The parts of a tokenizer.json around the model. {@code json} holds the file's objects for these keys (and
     * the model's options) so that save writes them back; null for GPT-2's own pipeline.
     */
    record Pipeline(Normalizer normalizer, PreTokenizer preTokenizer, PostProcessor postProcessor, Decoder decoder,
                    com.fasterxml.jackson.databind.node.ObjectNode json) {
        static final Pipeline GPT2 = new Pipeline(null, new PreTokenizer.ByteLevelSplit(false, true), PostProcessor.NONE,
                new Decoder.ByteLevelDecoder(), null);

        Pipeline {
            java.util.Objects.requireNonNull(postProcessor, "postProcessor");
        }
    }

    /** A GPT-2 style tokenizer: GPT-2's pipeline, the given special tokens. */
    Tokenizer(BytePairModel model, Map<String, Integer> specialTokens) {
        this(model, specialList(specialTokens), Pipeline.GPT2);
    }

    private static List<AddedToken> specialList(Map<String, Integer> specialTokens) {
        List<AddedToken> list = new ArrayList<>();
        for (Map.Entry<String, Integer> e : specialTokens.entrySet()) {
            if (e.getKey().isEmpty()) {
                throw new IllegalArgumentException("special token with id " + e.getValue() + " is empty");
            }
            list.add(AddedToken.special(e.getValue(), e.getKey()));
        }
        return list;
    }

    Tokenizer(BytePairModel model, List<AddedToken> addedTokens, Pipeline pipeline) {
        this.model = model;
        this.pipeline = pipeline;
        List<AddedToken> sorted = new ArrayList<>(addedTokens);
        sorted.sort(java.util.Comparator.comparingInt(AddedToken::id));
        Map<String, Integer> specialMap = new LinkedHashMap<>();
        Map<String, Integer> all = new LinkedHashMap<>();
        int size = model.tokens.length;
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (AddedToken t : sorted) {
            int id = t.id();
            if (id < model.tokens.length && model.tokens[id] != null && !model.tokens[id].equals(t.content())) {
                throw new IllegalArgumentException("special token '" + t.content() + "' has id " + id
                        + ", which is already the vocab token '" + model.tokens[id] + "'");
            }
            if (!seen.add(id)) {
                throw new IllegalArgumentException("special token '" + t.content() + "' reuses id " + id);
            }
            if (all.put(t.content(), id) != null) {
                throw new IllegalArgumentException("added token '" + t.content() + "' is listed twice");
            }
            if (t.special()) {
                specialMap.put(t.content(), id);
            }
            size = Math.max(size, id + 1);
        }
        this.added = List.copyOf(sorted);
        this.specials = Collections.unmodifiableMap(specialMap);
        this.addedIds = Collections.unmodifiableMap(all);
        this.decodeTable = new byte[size][];
        this.tokenStrings = new String[size];
        this.isSpecial = new boolean[size];
        System.arraycopy(model.bytes, 0, decodeTable, 0, model.bytes.length);
        System.arraycopy(model.tokens, 0, tokenStrings, 0, model.tokens.length);
        for (AddedToken t : sorted) {
            decodeTable[t.id()] = t.content().getBytes(StandardCharsets.UTF_8);
            tokenStrings[t.id()] = t.content();
            isSpecial[t.id()] = t.special();
        }
        this.rawOrdinary = new AddedTokenMatcher(sorted.stream().filter(t -> !t.normalized() && !t.special()).toList());
        this.rawAllSpecial = new AddedTokenMatcher(sorted.stream().filter(t -> !t.normalized()).toList());
        this.normalizedOrdinary = new AddedTokenMatcher(sorted.stream().filter(t -> t.normalized() && !t.special()).toList());
        this.normalizedAllSpecial = new AddedTokenMatcher(sorted.stream().filter(AddedToken::normalized).toList());
        boolean modelByteLevel = model.byteLevel && model.options.continuingSubwordPrefix() == null
                && model.options.endOfWordSuffix() == null;
        SplitScanner fast = pipeline.preTokenizer() == null ? null : PreTokenizer.fastScanner(pipeline.preTokenizer());
        boolean normalizerOk = pipeline.normalizer() == null || pipeline.normalizer() instanceof Normalizer.UnicodeForm;
        this.scanner = fast != null && modelByteLevel && normalizerOk ? fast : null;
        this.byteLevelDecode = modelByteLevel && Decoder.isByteLevel(pipeline.decoder());
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

    /**
     * Encodes every character as text, including text that spells a special token (non-special added tokens are
     * still matched, as Hugging Face always does).
     */
    public int[] encodeOrdinary(String text) {
        EncodeState s = state.get();
        IntList out = new IntList(text.length() / 3 + 8);
        char[] chars = text.toCharArray();
        if (rawOrdinary.isEmpty()) {
            encodeSegment(text, chars, 0, chars.length, out, s, normalizedOrdinary);
        } else {
            encodeSpans(text, chars, rawOrdinary, normalizedOrdinary, out, s);
        }
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
        checkSpecial(allowedSpecial);
        AddedTokenMatcher raw;
        AddedTokenMatcher normalized;
        if (allowedSpecial.size() == specials.size()) {
            raw = rawAllSpecial;
            normalized = normalizedAllSpecial;
        } else {
            raw = new AddedTokenMatcher(added.stream().filter(t -> !t.normalized() && (!t.special()
                    || allowedSpecial.contains(t.content()))).toList());
            normalized = new AddedTokenMatcher(added.stream().filter(t -> t.normalized() && (!t.special()
                    || allowedSpecial.contains(t.content()))).toList());
        }
        EncodeState s = state.get();
        IntList out = new IntList(text.length() / 3 + 8);
        encodeSpans(text, text.toCharArray(), raw, normalized, out, s);
        return out.toArray();
    }

    /**
     * Encodes text as {@link #encode(String, Set)} and, when {@code addSpecialTokens}, adds what the file's
     * post-processor puts around a sequence (e.g. Llama 2's BOS), as Hugging Face's
     * {@code encode(text, add_special_tokens=True)}.
     */
    public int[] encode(String text, Set<String> allowedSpecial, boolean addSpecialTokens) {
        int[] ids = encode(text, allowedSpecial);
        return addSpecialTokens ? pipeline.postProcessor().apply(ids) : ids;
    }

    private void encodeSpans(String text, char[] chars, AddedTokenMatcher raw, AddedTokenMatcher normalized,
                             IntList out, EncodeState s) {
        for (AddedTokenMatcher.Span span : raw.split(text, 0, chars.length)) {
            if (span.id() >= 0) {
                out.add(span.id());
            } else {
                encodeSegment(text, chars, span.from(), span.to(), out, s, normalized);
            }
        }
    }

    /** Encodes raw text between added tokens: normalize, match normalized added tokens, pre-tokenize, BPE. */
    private void encodeSegment(String text, char[] chars, int from, int to, IntList out, EncodeState s,
                               AddedTokenMatcher normalizedTokens) {
        if (from >= to) {
            return;
        }
        if (pipeline.normalizer() == null && normalizedTokens.isEmpty()) {
            encodeNormalized(chars, from, to, from == 0, out, s);
            return;
        }
        String segment = text.substring(from, to);
        String norm = pipeline.normalizer() == null ? segment : pipeline.normalizer().normalize(segment);
        char[] normChars = norm.toCharArray();
        if (normalizedTokens.isEmpty()) {
            encodeNormalized(normChars, 0, normChars.length, from == 0, out, s);
            return;
        }
        for (AddedTokenMatcher.Span span : normalizedTokens.split(norm, 0, normChars.length)) {
            if (span.id() >= 0) {
                out.add(span.id());
            } else {
                encodeNormalized(normChars, span.from(), span.to(), from == 0 && span.from() == 0, out, s);
            }
        }
    }

    /** Pre-tokenizes normalized text and runs the model on each piece. */
    private void encodeNormalized(char[] text, int from, int to, boolean atStart, IntList out, EncodeState s) {
        if (scanner != null) {
            int i = from;
            while (i < to) {
                int j = scanner.tokenEnd(text, i, to);
                char c = text[i];
                if (j - i == 1 && c < 0x80) {
                    out.add(model.byteId(c));
                } else {
                    encodePiece(text, i, j, out, s);
                }
                i = j;
            }
            return;
        }
        PreTokenizer.Piece whole = new PreTokenizer.Piece(new String(text, from, to - from), atStart);
        List<PreTokenizer.Piece> pieces;
        if (pipeline.preTokenizer() == null) {
            pieces = List.of(whole);
        } else {
            pieces = new ArrayList<>();
            pipeline.preTokenizer().split(whole, pieces);
        }
        for (PreTokenizer.Piece piece : pieces) {
            char[] p = piece.text().toCharArray();
            boolean cacheable = p.length <= PieceCache.MAX_PIECE_CHARS;
            int hash = 0;
            if (cacheable) {
                hash = PieceCache.hash(p, 0, p.length);
                int[] cached = s.cache.get(p, 0, p.length, hash);
                if (cached != null) {
                    out.addAll(cached, cached.length);
                    continue;
                }
            }
            int start = out.size();
            model.encodeWord(piece.text(), out);
            if (cacheable) {
                int[] ids = new int[out.size() - start];
                for (int k = 0; k < ids.length; k++) {
                    ids[k] = out.get(start + k);
                }
                s.cache.put(p, 0, p.length, hash, ids);
            }
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
        if (!chunkSafe()) {
            // Normalizers such as Prepend and Metaspace's prefix act once per text: encode it whole.
            StringBuilder all = new StringBuilder();
            char[] buf = new char[1 << 16];
            for (int n = reader.read(buf); n >= 0; n = reader.read(buf)) {
                all.append(buf, 0, n);
            }
            sink.accept(encode(all.toString(), allowedSpecial));
            return all.length();
        }
        List<String> cutProtected = new ArrayList<>(allowed);
        cutProtected.addAll(addedIds.keySet());
        return TextChunks.read(reader, chunkChars, cutProtected, chunk -> sink.accept(encode(chunk, allowedSpecial)));
    }

    /**
     * Whether encoding chunks cut by {@link TextChunks} gives the ids of the whole text: true for the split
     * patterns with a hand-written scanner (none lets a pre-token run across a newline into a non-space) and a
     * normalizer that is at most a Unicode normal form.
     */
    private boolean chunkSafe() {
        return scanner != null;
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

    /**
     * The bytes of the decoded tokens: for a byte-level tokenizer the tokens' raw bytes concatenated (which may
     * cut a character), otherwise the UTF-8 of {@link #decode}.
     *
     * @throws IllegalArgumentException naming the first unknown id
     */
    public byte[] decodeBytes(int[] ids) {
        if (!byteLevelDecode) {
            return decode(ids).getBytes(StandardCharsets.UTF_8);
        }
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
     * Decodes ids to text as Hugging Face's {@code decode(ids, skip_special_tokens=False)}; bytes that are not
     * valid UTF-8 (a token sequence cut inside a character) become U+FFFD.
     *
     * @throws IllegalArgumentException naming the first unknown id
     */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /** Decodes ids to text, leaving out special tokens when {@code skipSpecialTokens} (Hugging Face's flag). */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        if (byteLevelDecode && !skipSpecialTokens) {
            return new String(decodeBytes(ids), StandardCharsets.UTF_8);
        }
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            raw(id);
            if (!(skipSpecialTokens && isSpecial[id])) {
                tokens.add(tokenStrings[id]);
            }
        }
        if (pipeline.decoder() == null) {
            return String.join(" ", tokens);
        }
        return String.join("", pipeline.decoder().decodeChain(tokens));
    }

    /** The bytes of one token as decoded alone (a special token's UTF-8 text). */
    public byte[] bytesOf(int id) {
        return byteLevelDecode ? raw(id).clone() : decodeBytes(new int[] {id});
    }

    /** The token string of an id as the vocab writes it (byte-level characters for a byte-level vocab). */
    public String tokenString(int id) {
        raw(id);
        return tokenStrings[id];
    }

    /** The id of a token as the vocab or added tokens write it (e.g. {@code "<|eot_id|>"}), if any. */
    public OptionalInt tokenId(String token) {
        Integer id = addedIds.get(token);
        if (id == null) {
            int modelId = model.idOf(token);
            return modelId < 0 ? OptionalInt.empty() : OptionalInt.of(modelId);
        }
        return OptionalInt.of(id);
    }

    private byte[] raw(int id) {
        if (id < 0 || id >= tokenStrings.length) {
            throw new IllegalArgumentException("unknown token id " + id + ": valid ids are 0.." + (tokenStrings.length - 1));
        }
        if (tokenStrings[id] == null) {
            throw new IllegalArgumentException("unknown token id " + id + ": no token has this id in this vocabulary");
        }
        return decodeTable[id];
    }

    /** One more than the highest id: BPE tokens and special tokens. */
    public int vocabSize() {
        return tokenStrings.length;
    }

    public int mergeCount() {
        return model.mergeCount();
    }

    public OptionalInt specialTokenId(String token) {
        Integer id = specials.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /**
     * One line naming the pipeline's parts, e.g. {@code normalizer NFC; pre_tokenizer Sequence(Split, ByteLevel)
     * [fast: Qwen2 scanner]; model BPE byte-level; post_processor none; decoder ByteLevel}.
     */
    public String pipelineSummary() {
        com.fasterxml.jackson.databind.node.ObjectNode json = pipeline.json();
        String scannerName = scanner == null ? "generic" : scanner == SplitScanner.GPT2 ? "GPT-2 scanner"
                : scanner == Cl100kPreTokenizer.LLAMA3 ? "Llama 3 scanner" : "Qwen2 scanner";
        String model = "BPE " + (this.model.byteLevel ? "byte-level" : "") + (this.model.options.byteFallback() ? " byte_fallback" : "")
                + (this.model.options.ignoreMerges() ? " ignore_merges" : "");
        if (json == null) {
            return "normalizer none; pre_tokenizer ByteLevel [" + scannerName + "]; model " + model.strip() + "; post_processor none; decoder ByteLevel";
        }
        return "normalizer " + describe(json.get("normalizer"), "normalizers") + "; pre_tokenizer "
                + describe(json.get("pre_tokenizer"), "pretokenizers") + " [" + scannerName + "]; model " + model.strip()
                + "; post_processor " + describe(json.get("post_processor"), "processors") + "; decoder "
                + describe(json.get("decoder"), "decoders");
    }

    private static String describe(com.fasterxml.jackson.databind.JsonNode node, String listKey) {
        if (node == null || node.isNull()) {
            return "none";
        }
        String type = node.path("type").asText();
        if (node.has(listKey)) {
            List<String> parts = new ArrayList<>();
            node.get(listKey).forEach(n -> parts.add(describe(n, listKey)));
            return type + "(" + String.join(", ", parts) + ")";
        }
        return type;
    }

    /** Added tokens that are not special (matched in every text, e.g. Qwen3's {@code <think>}), content -> id. */
    public Map<String, Integer> nonSpecialAddedTokens() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (AddedToken t : added) {
            if (!t.special()) {
                out.put(t.content(), t.id());
            }
        }
        return Collections.unmodifiableMap(out);
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
        List<AddedToken> merged = new ArrayList<>(added);
        int next = vocabSize();
        for (String token : tokens) {
            if (token == null || token.isEmpty()) {
                throw new IllegalArgumentException("special tokens must be non-empty strings");
            }
            if (!addedIds.containsKey(token) && merged.stream().noneMatch(t -> t.content().equals(token))) {
                merged.add(AddedToken.special(next++, token));
            }
        }
        return new Tokenizer(model, merged, pipeline);
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
            if (pipeline.json() != null) {
                // Another pipeline than GPT-2's: its components and every added token's flags change the ids too.
                sb.append("--\n").append(pipeline.json()).append('\n');
                for (AddedToken t : added) {
                    sb.append(t).append('\n');
                }
            }
            return HexFormat.of().formatHex(sha.digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    BytePairModel model() {
        return model;
    }

    /**
     * This byte-level tokenizer with another split pattern and, if {@code bosToken} is not null, a post-processor
     * that puts that special token before every sequence encoded with special tokens (Llama 3's TemplateProcessing).
     *
     * @throws IllegalArgumentException if the model is not byte-level or bosToken is not a special token
     */
    public Tokenizer withPipeline(SplitPattern pattern, String bosToken) {
        if (!model.byteLevel) {
            throw new IllegalArgumentException("a split pattern needs a byte-level vocabulary");
        }
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root = mapper.createObjectNode();
        root.putNull("normalizer");
        if (pattern == SplitPattern.GPT2) {
            root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                    .put("use_regex", true);
        } else {
            com.fasterxml.jackson.databind.node.ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
            com.fasterxml.jackson.databind.node.ArrayNode steps = pre.putArray("pretokenizers");
            com.fasterxml.jackson.databind.node.ObjectNode split = steps.addObject().put("type", "Split");
            split.putObject("pattern").put("Regex", pattern.regex());
            split.put("behavior", "Isolated").put("invert", false);
            steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", false);
        }
        if (bosToken == null) {
            root.putObject("post_processor").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", false)
                    .put("use_regex", true);
        } else {
            Integer bos = specials.get(bosToken);
            if (bos == null) {
                throw new IllegalArgumentException("BOS token '" + bosToken + "' is not a special token of this tokenizer; known: "
                        + specials.keySet());
            }
            com.fasterxml.jackson.databind.node.ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
            post.putArray("single").add(mapper.createObjectNode().set("SpecialToken", mapper.createObjectNode().put("id", bosToken).put("type_id", 0)))
                    .add(mapper.createObjectNode().set("Sequence", mapper.createObjectNode().put("id", "A").put("type_id", 0)));
            post.putArray("pair").add(mapper.createObjectNode().set("SpecialToken", mapper.createObjectNode().put("id", bosToken).put("type_id", 0)))
                    .add(mapper.createObjectNode().set("Sequence", mapper.createObjectNode().put("id", "A").put("type_id", 0)))
                    .add(mapper.createObjectNode().set("SpecialToken", mapper.createObjectNode().put("id", bosToken).put("type_id", 1)))
                    .add(mapper.createObjectNode().set("Sequence", mapper.createObjectNode().put("id", "B").put("type_id", 1)));
            com.fasterxml.jackson.databind.node.ObjectNode spec = post.putObject("special_tokens").putObject(bosToken);
            spec.put("id", bosToken);
            spec.putArray("ids").add(bos);
            spec.putArray("tokens").add(bosToken);
        }
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
        return new Tokenizer(model, added, TokenizerJson.pipeline(root, model.options, added));
    }

    /**
     * Writes a Hugging Face {@code tokenizer_config.json} beside tokenizer.json (atomically): tokenizer class,
     * BOS/EOS tokens (null to leave out), and every added token under {@code added_tokens_decoder}.
     */
    public void saveConfig(Path tokenizerConfigJson, String bosToken, String eosToken) {
        for (String t : java.util.Arrays.asList(bosToken, eosToken)) {
            if (t != null && !specials.containsKey(t)) {
                throw new IllegalArgumentException("'" + t + "' is not a special token of this tokenizer; known: " + specials.keySet());
            }
        }
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root = mapper.createObjectNode();
        root.put("tokenizer_class", "PreTrainedTokenizerFast");
        root.put("bos_token", bosToken);
        root.put("eos_token", eosToken);
        root.put("clean_up_tokenization_spaces", false);
        root.put("model_max_length", 1_000_000_000L);
        com.fasterxml.jackson.databind.node.ObjectNode decoder = root.putObject("added_tokens_decoder");
        for (AddedToken t : added) {
            decoder.putObject(Integer.toString(t.id())).put("content", t.content()).put("lstrip", t.lstrip())
                    .put("normalized", t.normalized()).put("rstrip", t.rstrip()).put("single_word", t.singleWord())
                    .put("special", t.special());
        }
        try {
            byte[] bytes = mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
            ai.stratum.io.AtomicFiles.writeStream(tokenizerConfigJson, out -> out.write(bytes));
        } catch (java.io.IOException e) {
            throw new TokenizerFileException(tokenizerConfigJson, "cannot write: " + e.getMessage(), e);
        }
    }

    Pipeline pipeline() {
        return pipeline;
    }

    List<AddedToken> addedTokens() {
        return added;
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
