package ai.stratum.train;

import ai.stratum.model.Gpt;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.Nd4jKernels;
import ai.stratum.model.ParameterLayout;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The GPT as the trainer sees it: every call goes straight to {@link Gpt}. */
public final class GptModel implements LanguageModel {

    private final Gpt gpt;

    public GptModel(Gpt gpt) {
        this.gpt = gpt;
    }

    /** GPTs with the ND4J kernels. */
    public static ModelFactory factory() {
        return (config, maxBatch, maxSeqLen, dtype) ->
                new GptModel(new Gpt(config, maxBatch, maxSeqLen, dtype, new Nd4jKernels()));
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
    public float forward(int[] tokens, int[] targets, int batch, int seqLen, boolean training, long dropoutSeed) {
        return gpt.forward(tokens, targets, batch, seqLen, training, dropoutSeed);
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
