package ai.stratum.hf;

import ai.stratum.io.AtomicFiles;
import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.tokenizer.Tokenizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A randomly initialized model of any config written as its family's Hugging Face directory, as litgpt's
 * {@code pretrain --initial_checkpoint} users and benchmarks need a base of a real shape without downloading one:
 * weights initialized as {@link Decoder#initWeights(ModelConfig, INDArray, long)} does (the same values a
 * pretraining run of that seed starts from), {@code config.json}, and a tokenizer.
 *
 * <p>The weights are held once, in float32, and converted to the stored type chunk by chunk while each file is
 * written ({@link HfCheckpoint#save}): a 1.2 B-parameter model needs its 4.9 GB of float32 and no second copy.
 * Files are written atomically, {@code config.json} last, so an interrupted run leaves no loadable directory.
 */
public final class RandomCheckpoint {

    private RandomCheckpoint() {
    }

    /**
     * What to write.
     *
     * @param config     the architecture
     * @param family     the Hugging Face family to write, or null for the one {@link Family#infer} gives
     * @param dtype      F32 or BF16 on disk
     * @param shardBytes largest weight file; more weights are sharded with {@code model.safetensors.index.json}
     * @param seed       the initialization's seed
     * @param tokenizer  a {@code tokenizer.json} file or a model directory whose tokenizer files are copied; null
     *                   writes a byte-level {@code tokenizer.json} (the 256 bytes and {@code <|endoftext|>} = 256,
     *                   the rest of the vocabulary unused, as a checkpoint's reserved tokens are)
     */
    public record Spec(ModelConfig config, Family family, Safetensors.Dtype dtype, long shardBytes, long seed,
                       Path tokenizer) {
        public Spec {
            if (config == null) {
                throw new IllegalArgumentException("model: a config is required");
            }
            if (dtype != Safetensors.Dtype.F32 && dtype != Safetensors.Dtype.BF16) {
                throw new IllegalArgumentException("dtype: float32 or bfloat16, got " + dtype);
            }
            if (shardBytes < 1) {
                throw new IllegalArgumentException("max_shard_size: must be positive, got " + shardBytes);
            }
            family = family != null ? family : Family.infer(config);
            WeightMap.of(family, config); // the family can hold the config, or the message names what it cannot
        }
    }

    /**
     * What was written.
     *
     * @param family     the family of {@code config.json}
     * @param parameters the number of weights
     * @param weights    the weight files: {@code model.safetensors}, or the shards then the index
     * @param eosTokenId the end-of-text id recorded in {@code config.json}
     */
    public record Result(Family family, long parameters, List<String> weights, int eosTokenId) {
    }

    /**
     * Writes the checkpoint into {@code out} (created if needed). A directory that already holds a
     * {@code config.json} or weights is refused unless {@code overwrite}; then its weight files are replaced.
     */
    public static Result write(Spec spec, Path out, boolean overwrite) throws IOException {
        if (!overwrite && Files.isDirectory(out) && holdsModel(out)) {
            throw new IllegalArgumentException("out: " + out + " already holds a model (config.json or "
                    + "safetensors); choose another directory or pass --overwrite");
        }
        ModelConfig config = spec.config();
        Files.createDirectories(out);
        int eos = writeTokenizer(spec.tokenizer(), config, out);
        WeightMap map = WeightMap.of(spec.family(), config);
        long n = map.layout().size();
        // one float32 copy; HfCheckpoint.save converts it chunk by chunk into the stored type
        try (INDArray params = Nd4j.create(DataType.FLOAT, n)) {
            Decoder.initWeights(config, params, spec.seed());
            Files.deleteIfExists(out.resolve(HfConfig.FILE)); // a replaced model is not loadable until complete
            HfCheckpoint.save(out, map, params, spec.dtype(), spec.shardBytes());
        }
        HfConfig.write(out, config, spec.family(), eos, spec.dtype().torchName());
        AtomicFiles.fsyncDirectory(out);
        List<String> weights = new ArrayList<>();
        if (Files.isRegularFile(out.resolve(HfCheckpoint.MODEL))) {
            weights.add(HfCheckpoint.MODEL);
        } else {
            HfCheckpoint.open(out).files().forEach(p -> weights.add(p.getFileName().toString()));
            weights.add(HfCheckpoint.INDEX);
        }
        return new Result(spec.family(), n, weights, eos);
    }

    private static boolean holdsModel(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .anyMatch(f -> f.equals(HfConfig.FILE) || f.endsWith(".safetensors"));
        }
    }

    /** Puts the tokenizer into {@code out}; returns its end-of-text id (or {@code vocab_size - 1} without one). */
    private static int writeTokenizer(Path given, ModelConfig config, Path out) throws IOException {
        Path file = out.resolve(TokenizerFiles.TOKENIZER);
        if (given == null) {
            if (config.vocabSize() < 257) {
                throw new IllegalArgumentException("tokenizer: model.vocab_size " + config.vocabSize() + " has no room "
                        + "for the byte-level tokenizer (256 bytes + <|endoftext|>); pass --tokenizer FILE");
            }
            TokenizerFiles.writeByteLevel(file);
        } else if (Files.isDirectory(given)) {
            if (!Files.isRegularFile(given.resolve(TokenizerFiles.TOKENIZER))) {
                throw new IllegalArgumentException("tokenizer: " + given + " holds no " + TokenizerFiles.TOKENIZER);
            }
            TokenizerFiles.copy(given, out);
        } else {
            if (!Files.isRegularFile(given)) {
                throw new IllegalArgumentException("tokenizer: " + given + " does not exist");
            }
            AtomicFiles.writeBytes(file, Files.readAllBytes(given));
        }
        Tokenizer tok = Tokenizer.load(file);
        if (tok.vocabSize() > config.vocabSize()) {
            Files.delete(file);
            throw new IllegalArgumentException("model.vocab_size: " + config.vocabSize() + " is smaller than "
                    + (given == null ? file : given) + "'s " + tok.vocabSize() + " tokens; --set model.vocab_size="
                    + tok.vocabSize());
        }
        return tok.specialTokenId(Tokenizer.END_OF_TEXT).orElse(config.vocabSize() - 1);
    }
}
