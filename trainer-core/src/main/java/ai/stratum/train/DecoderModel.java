package ai.stratum.train;

import ai.stratum.hf.Family;
import ai.stratum.hf.HfCheckpoint;
import ai.stratum.hf.HfConfig;
import ai.stratum.hf.Safetensors;
import ai.stratum.hf.WeightMap;
import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.train.checkpoint.Checkpoints;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A {@link Decoder} of any family as the trainer sees it, every weight trainable: every call goes straight to it.
 * Its checkpoints are written as {@code family}'s Hugging Face directory: the family of the base a fine-tune
 * started from (a Mistral base without a sliding window stays {@code mistral}, though {@code llama} could hold
 * it), or, for a model from a preset, the one {@link Family#infer} gives.
 */
public final class DecoderModel implements LanguageModel {

    private final Decoder decoder;
    private final Family family;

    /** @param decoder built with gradients to train; without, {@link #grads()} is null (evaluation only) */
    public DecoderModel(Decoder decoder) {
        this(decoder, null);
    }

    /** @param family the family checkpoints are written as; null for {@link Family#infer} of the config */
    public DecoderModel(Decoder decoder, Family family) {
        if (family != null) {
            WeightMap.of(family, decoder.config()); // the family can hold the model
        }
        this.decoder = decoder;
        this.family = family;
    }

    /** Decoders with the kernels of the ND4J backend in use (fused CPU kernels on CPU), of the inferred family. */
    public static ModelFactory factory() {
        return factory(null);
    }

    /** {@link #factory()} whose models are saved as {@code family} (null: inferred). */
    public static ModelFactory factory(Family family) {
        return (config, maxBatch, maxSeqLen, dtype) ->
                new DecoderModel(new Decoder(config, maxBatch, maxSeqLen, dtype, Kernels.forCurrentBackend()), family);
    }

    /**
     * A float32 decoder with the weights of a checkpoint directory ({@code config.json} + {@code model.safetensors},
     * ours or Hugging Face's), checked first so that a truncated or mismatched file is reported by name.
     *
     * @param withGradients false for inference or a LoRA base (no gradient buffer)
     */
    public static Decoder load(Path checkpoint, int maxBatch, int maxSeqLen, boolean withGradients)
            throws IOException {
        ModelConfig config = HfConfig.read(checkpoint);
        ParameterLayout layout = ParameterLayout.decoder(config);
        Checkpoints.validate(checkpoint, layout);
        Decoder decoder = new Decoder(config, maxBatch, Math.min(maxSeqLen, config.contextLength()), DataType.FLOAT,
                Kernels.forCurrentBackend(), withGradients);
        try {
            Checkpoints.loadParams(checkpoint, layout, decoder.params());
        } catch (IOException | RuntimeException e) {
            decoder.close();
            throw e;
        }
        return decoder;
    }

    /** {@link #load(Path, int, int, boolean)} without gradients: for generation and evaluation. */
    public static Decoder load(Path checkpoint, int maxBatch, int maxSeqLen) throws IOException {
        return load(checkpoint, maxBatch, maxSeqLen, false);
    }

    public Decoder decoder() {
        return decoder;
    }

    /** The family its checkpoints are written as. */
    public Family family() {
        return family != null ? family : Family.infer(config());
    }

    /** {@code model.safetensors} (or shards) and {@code config.json} of {@link #family()}. */
    @Override
    public void saveWeights(Path dir, int eosTokenId) throws IOException {
        HfCheckpoint.saveModel(dir, WeightMap.of(family(), config()), params(), eosTokenId,
                params().dataType() == DataType.DOUBLE ? Safetensors.Dtype.F64 : Safetensors.Dtype.F32,
                HfCheckpoint.DEFAULT_SHARD_BYTES);
    }

    @Override
    public ModelConfig config() {
        return decoder.config();
    }

    @Override
    public ParameterLayout layout() {
        return decoder.layout();
    }

    @Override
    public INDArray params() {
        return decoder.params();
    }

    @Override
    public INDArray grads() {
        return decoder.grads();
    }

    @Override
    public void initWeights(long seed) {
        decoder.initWeights(seed);
    }

    @Override
    public void zeroGrads() {
        decoder.zeroGrads();
    }

    @Override
    public float forward(int[] tokens, int[] targets, int batch, int seqLen, boolean training, long dropoutSeed,
                         int[] segmentIds) {
        return decoder.forward(tokens, targets, batch, seqLen, training, dropoutSeed, segmentIds);
    }

    @Override
    public void backward(float lossScale) {
        decoder.backward(lossScale);
    }

    @Override
    public void close() {
        decoder.close();
    }
}
