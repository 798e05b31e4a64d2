package ai.stratum.train;

import ai.stratum.hf.HfConfig;
import ai.stratum.train.checkpoint.Checkpoints;
import ai.stratum.model.Gpt;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.model.ParameterLayout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;

/** The GPT as the trainer sees it: every call goes straight to {@link Gpt}. */
public final class GptModel implements LanguageModel {

    private final Gpt gpt;

    public GptModel(Gpt gpt) {
        this.gpt = gpt;
    }

    /** GPTs with the kernels of the ND4J backend in use (fused CPU kernels on CPU). */
    public static ModelFactory factory() {
        return (config, maxBatch, maxSeqLen, dtype) ->
                new GptModel(new Gpt(config, maxBatch, maxSeqLen, dtype, Kernels.forCurrentBackend()));
    }

    /**
     * A float32 GPT with the weights of a checkpoint directory ({@code config.json} + {@code model.safetensors}),
     * checked first so that a truncated or mismatched file is reported by name.
     */
    public static Gpt load(Path checkpoint, int maxBatch, int maxSeqLen) throws IOException {
        ModelConfig config = HfConfig.read(checkpoint);
        ParameterLayout layout = ParameterLayout.gpt2(config);
        Checkpoints.validate(checkpoint, layout);
        Gpt gpt = new Gpt(config, maxBatch, Math.min(maxSeqLen, config.contextLength()), DataType.FLOAT,
                Kernels.forCurrentBackend());
        try {
            Checkpoints.loadParams(checkpoint, layout, gpt.params());
        } catch (IOException | RuntimeException e) {
            gpt.close();
            throw e;
        }
        return gpt;
    }

    public Gpt gpt() {
        return gpt;
    }

    @Override
    public ModelConfig config() {
        return gpt.config();
    }

    @Override
    public ParameterLayout layout() {
        return gpt.layout();
    }

    @Override
    public INDArray params() {
        return gpt.params();
    }

    @Override
    public INDArray grads() {
        return gpt.grads();
    }

    @Override
    public void initWeights(long seed) {
        gpt.initWeights(seed);
    }

    @Override
    public void zeroGrads() {
        gpt.zeroGrads();
    }

    @Override
    public float forward(int[] tokens, int[] targets, int batch, int seqLen, boolean training, long dropoutSeed,
                         int[] segmentIds) {
        return gpt.forward(tokens, targets, batch, seqLen, training, dropoutSeed, segmentIds);
    }

    @Override
    public void backward(float lossScale) {
        gpt.backward(lossScale);
    }

    @Override
    public void close() {
        gpt.close();
    }
}
