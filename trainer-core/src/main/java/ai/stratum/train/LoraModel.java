package ai.stratum.train;

import ai.stratum.hf.HfConfig;
import ai.stratum.hf.PeftAdapter;
import ai.stratum.hf.TokenizerFiles;
import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import ai.stratum.model.lora.LoraAdapters;
import ai.stratum.model.lora.LoraConfig;
import ai.stratum.tokenizer.Tokenizer;
import ai.stratum.train.checkpoint.Checkpoints;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A frozen base {@link Decoder} whose linear layers are wrapped with LoRA adapters, as the trainer sees it: the
 * layout, parameters and gradients are the adapters' alone, so the optimizer's state is proportional to the
 * adapters and a checkpoint holds the PEFT adapter files ({@code adapter_config.json},
 * {@code adapter_model.safetensors}) rather than a full model. The base is built without gradients: no gradient
 * buffer exists for its weights, and its backward computes only what flows to the adapters.
 */
public final class LoraModel implements LanguageModel {

    private final Decoder base;
    private final LoraAdapters adapters;
    private final String baseName;

    /**
     * @param base     the base model with its weights loaded; this model owns and closes it
     * @param maxRows  the most rows (B * T) a forward will see
     * @param baseName recorded as {@code base_model_name_or_path} in saved adapters
     */
    public LoraModel(Decoder base, LoraConfig lora, int maxRows, String baseName) {
        this.base = base;
        this.adapters = new LoraAdapters(lora, base.config(), base.dataType(), maxRows);
        this.baseName = baseName;
        adapters.attach(base, base.kernels());
    }

    /**
     * A base checkpoint (Stratum or Hugging Face) with a PEFT adapter attached unmerged, for generation and
     * evaluation; float32.
     */
    public static LoraModel open(Path base, Path adapter, int maxBatch, int maxSeqLen) throws IOException {
        Decoder decoder = DecoderModel.load(base, maxBatch, maxSeqLen, false);
        try {
            LoraModel model = new LoraModel(decoder, PeftAdapter.readConfig(adapter),
                    maxBatch * Math.min(maxSeqLen, decoder.config().contextLength()), base.toString());
            model.loadWeights(adapter);
            return model;
        } catch (IOException | RuntimeException e) {
            decoder.close();
            throw e;
        }
    }

    /**
     * Folds the adapter in {@code adapter} into the base weights and writes a full checkpoint into {@code out}:
     * {@code model.safetensors} and {@code config.json} that Hugging Face loads, and the adapter's
     * {@code tokenizer.json} (the base's when the adapter has none) with the base's other tokenizer files
     * ({@link TokenizerFiles#CARRIED}), each file written atomically.
     */
    public static void merge(Path base, Path adapter, Path out) throws IOException {
        Path tokenizer = Files.isRegularFile(adapter.resolve(Checkpoints.TOKENIZER))
                ? adapter.resolve(Checkpoints.TOKENIZER) : base.resolve(Checkpoints.TOKENIZER);
        try (LoraModel model = open(base, adapter, 1, 1)) {
            model.adapters.mergeInto(model.base, model.base.kernels());
            Files.createDirectories(out);
            // the base's family, so a merged mistral stays mistral
            new DecoderModel(model.base, HfConfig.parse(base).family()).saveWeights(out, HfConfig.eosTokenId(base));
            TokenizerFiles.copy(base, out); // tokenizer_config.json, generation_config.json... of the base
            if (Files.isRegularFile(tokenizer)) {
                Tokenizer.load(tokenizer).save(out.resolve(Checkpoints.TOKENIZER));
            }
        }
    }

    public Decoder base() {
        return base;
    }

    public LoraAdapters adapters() {
        return adapters;
    }

    @Override
    public ModelConfig config() {
        return base.config();
    }

    @Override
    public ParameterLayout layout() {
        return adapters.layout();
    }

    @Override
    public INDArray params() {
        return adapters.params();
    }

    @Override
    public INDArray grads() {
        return adapters.grads();
    }

    /** Fresh adapters (PEFT's init: B = 0, so the model starts equal to the base). */
    @Override
    public void initWeights(long seed) {
        adapters.init(seed);
    }

    @Override
    public long totalParameters() {
        return base.layout().size() + adapters.layout().size();
    }

    /** The frozen base's weight gradients are skipped: 2 forward + 2 for the input gradient (adapters aside). */
    @Override
    public double trainingFlopsPerParameter() {
        return 4;
    }

    @Override
    public void zeroGrads() {
        adapters.grads().assign(0);
    }

    @Override
    public float forward(int[] tokens, int[] targets, int batch, int seqLen, boolean training, long dropoutSeed,
                         int[] segmentIds) {
        return base.forward(tokens, targets, batch, seqLen, training, dropoutSeed, segmentIds);
    }

    @Override
    public void backward(float lossScale) {
        base.backward(lossScale);
    }

    /** The PEFT adapter files; the base is not copied. */
    @Override
    public void saveWeights(Path dir, int eosTokenId) throws IOException {
        PeftAdapter.save(dir, adapters, baseName);
    }

    @Override
    public void validateWeights(Path dir) throws IOException {
        PeftAdapter.validate(dir, adapters);
    }

    @Override
    public void loadWeights(Path dir) throws IOException {
        PeftAdapter.loadInto(dir, adapters);
    }

    @Override
    public void close() {
        base.close();
    }
}
