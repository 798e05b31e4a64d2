package ai.stratum.hf;

import ai.stratum.train.checkpoint.Checkpoints;
import ai.stratum.model.Decoder;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import ai.stratum.model.TensorSpec;
import ai.stratum.model.Views;
import ai.stratum.tokenizer.Tokenizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The model a fine-tune starts from: a Stratum checkpoint or a Hugging Face directory of any {@link Family}
 * ({@code config.json}; {@code model.safetensors} or shards with {@code model.safetensors.index.json}; and
 * {@code tokenizer.json} or {@code vocab.json} + {@code merges.txt}), with the chat template's special tokens added
 * to its tokenizer.
 *
 * <p>A special token the tokenizer lacks gets the next free id. When that id is past the model's vocabulary the
 * embedding grows: the new rows of the embedding (and of an untied head) are the mean of the existing rows (so the
 * new tokens start as an "average" token, neither likely nor unlikely; positions are unchanged). Ids inside the vocabulary (a model
 * whose {@code vocab_size} leaves room beyond its tokenizer) use the rows already there.
 *
 * @param dir           the base directory
 * @param family        the family of its {@code config.json}, which a full fine-tune's checkpoints keep
 * @param stored        the base's own config (its vocabulary as stored)
 * @param tokenizer     the base tokenizer plus the special tokens
 * @param config        the config to fine-tune: {@code stored} with the vocabulary grown if needed
 * @param endOfText     the end-of-text id: the tokenizer's {@code <|endoftext|>}, else the base's
 *                      {@code eos_token_id}
 */
public record BaseModel(Path dir, Family family, ModelConfig stored, Tokenizer tokenizer, ModelConfig config, int endOfText) {

    /**
     * SHA-256 (hex) of a base directory's {@code config.json} and weight files ({@code model.safetensors}, or the
     * index and its shards in name order): equal exactly when the weights and the architecture are, wherever the
     * directory is.
     */
    public static String fingerprint(Path dir) throws IOException {
        java.security.MessageDigest sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 20];
        List<Path> files = new java.util.ArrayList<>(List.of(dir.resolve(HfConfig.FILE)));
        if (!java.nio.file.Files.isRegularFile(dir.resolve(HfCheckpoint.MODEL))
                && java.nio.file.Files.isRegularFile(dir.resolve(HfCheckpoint.INDEX))) {
            files.add(dir.resolve(HfCheckpoint.INDEX));
        }
        files.addAll(HfCheckpoint.open(dir).files());
        for (Path file : files) {
            try (var in = java.nio.file.Files.newInputStream(file)) {
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    sha.update(buf, 0, n);
                }
            }
        }
        return java.util.HexFormat.of().formatHex(sha.digest());
    }

    public static BaseModel open(Path dir, List<String> specialTokens) throws IOException {
        HfConfig.Parsed parsed = HfConfig.parse(dir);
        ModelConfig stored = parsed.config();
        HfCheckpoint.checkCompatible(HfCheckpoint.open(dir), WeightMap.of(parsed.family(), stored));
        Tokenizer tok = Tokenizer.load(dir).withSpecialTokens(specialTokens);
        int vocab = Math.max(stored.vocabSize(), tok.vocabSize());
        ModelConfig config = stored.withVocabSize(vocab);
        int eos = tok.specialTokenId(Tokenizer.END_OF_TEXT).orElse(HfConfig.eosTokenId(dir));
        return new BaseModel(dir, parsed.family(), stored, tok, config, eos);
    }

    /** Whether the added special tokens grew the embedding. */
    public boolean vocabularyGrows() {
        return config.vocabSize() > stored.vocabSize();
    }

    /**
     * Fills {@code params} (the decoder's layout for {@link #config()}) with the base weights (the stored
     * vocabulary's rows, read through the family's table) and the grown rows.
     */
    public void loadInto(ParameterLayout layout, INDArray params) throws IOException {
        Checkpoints.loadParams(dir, layout, params);
        if (vocabularyGrows()) {
            for (String name : new String[] {"tok_embeddings.weight", "lm_head.weight"}) {
                if (layout.contains(name)) {
                    growRows(layout.get(name), params);
                }
            }
        }
    }

    private void growRows(TensorSpec t, INDArray params) {
        INDArray rows = Views.of(params, t.offset(), t.shape());
        long old = stored.vocabSize();
        INDArray mean = rows.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, old),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).mean(0);
        for (long r = old; r < config.vocabSize(); r++) {
            rows.getRow(r).assign(mean);
        }
    }

    /**
     * A decoder of {@link #config()} holding the base weights; {@code withGradients} false for a LoRA base (no
     * gradient buffer for the frozen weights).
     */
    public Decoder load(int maxBatch, int maxSeqLen, DataType dtype, boolean withGradients) throws IOException {
        Decoder decoder = new Decoder(config, maxBatch, Math.min(maxSeqLen, config.contextLength()), dtype,
                Kernels.forCurrentBackend(), withGradients);
        try {
            loadInto(decoder.layout(), decoder.params());
        } catch (IOException | RuntimeException e) {
            decoder.close();
            throw e;
        }
        return decoder;
    }
}
