package ai.stratum.train;

import ai.stratum.util.Seeds;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A bigram language model for testing the training loop apart from the transformer: logits of position i are
 * {@code mask_i * wte.weight[token_i] + bias}, where with dropout p a row is dropped (mask 0) with probability
 * p and otherwise scaled by 1 / (1 - p), the mask a pure function of (dropout seed, position). Written in plain
 * double loops; {@code poisonAtForward} makes that forward call return NaN.
 */
public final class BigramModel implements LanguageModel {

    private final ModelConfig config;
    private final ParameterLayout layout;
    private final INDArray params;
    private final INDArray grads;
    private final int poisonAtForward;
    private int forwardCalls;
    private double[] probs;
    private double[] rowScale;
    private int[] tokens;
    private int[] targets;
    private int counted;

    public BigramModel(ModelConfig config, DataType dtype, int poisonAtForward) {
        this.config = config;
        int v = config.vocabSize();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("wte.weight", new long[]{v, v});
        shapes.put("bias", new long[]{v});
        this.layout = ParameterLayout.of(shapes);
        this.params = Nd4j.zeros(dtype, layout.size());
        this.grads = Nd4j.zeros(dtype, layout.size());
        this.poisonAtForward = poisonAtForward;
    }

    public static ModelFactory factory(int poisonAtForward) {
        return (config, batch, seqLen, dtype) -> new BigramModel(config, dtype, poisonAtForward);
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public ParameterLayout layout() {
        return layout;
    }

    @Override
    public INDArray params() {
        return params;
    }

    @Override
    public INDArray grads() {
        return grads;
    }

    @Override
    public void initWeights(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] p = new double[(int) layout.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = random.nextGaussian() * 0.02;
        }
        params.assign(Nd4j.createFromArray(p).castTo(params.dataType()));
    }

    @Override
    public void zeroGrads() {
        grads.assign(0);
    }

    /** Segment ids change nothing: a bigram sees no other position. */
    @Override
    public float forward(int[] tokens, int[] targets, int batch, int seqLen, boolean training, long dropoutSeed,
                         int[] segmentIds) {
        forwardCalls++;
        int v = config.vocabSize();
        int n = batch * seqLen;
        double[] p = params.toDoubleVector();
        int biasOffset = (int) layout.get("bias").offset();
        this.tokens = tokens.clone();
        this.targets = targets.clone();
        probs = new double[n * v];
        rowScale = new double[n];
        double loss = 0;
        counted = 0;
        for (int i = 0; i < n; i++) {
            double dropout = config.dropout();
            rowScale[i] = 1.0;
            if (training && dropout > 0) {
                boolean dropped = new SplittableRandom(Seeds.derive(dropoutSeed, i)).nextDouble() < dropout;
                rowScale[i] = dropped ? 0.0 : 1.0 / (1.0 - dropout);
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) {
                double logit = rowScale[i] * p[tokens[i] * v + j] + p[biasOffset + j];
                probs[i * v + j] = logit;
                max = Math.max(max, logit);
            }
            double sum = 0;
            for (int j = 0; j < v; j++) {
                probs[i * v + j] = Math.exp(probs[i * v + j] - max);
                sum += probs[i * v + j];
            }
            for (int j = 0; j < v; j++) {
                probs[i * v + j] /= sum;
            }
            if (targets[i] >= 0) {
                loss -= Math.log(probs[i * v + targets[i]]);
                counted++;
            }
        }
        return forwardCalls == poisonAtForward ? Float.NaN : (float) (loss / counted);
    }

    @Override
    public void backward(float lossScale) {
        int v = config.vocabSize();
        int biasOffset = (int) layout.get("bias").offset();
        double[] delta = new double[(int) layout.size()];
        for (int i = 0; i < tokens.length; i++) {
            if (targets[i] < 0) {
                continue;
            }
            for (int j = 0; j < v; j++) {
                double d = (probs[i * v + j] - (j == targets[i] ? 1 : 0)) / counted * lossScale;
                delta[tokens[i] * v + j] += rowScale[i] * d;
                delta[biasOffset + j] += d;
            }
        }
        grads.addi(Nd4j.createFromArray(delta).castTo(grads.dataType()));
    }

    @Override
    public void close() {
        params.close();
        grads.close();
    }

    /**
     * A test model's weights under its own tensor names (no Hugging Face family maps them): model.safetensors
     * holds the layout's tensors as they are, beside a GPT-2-shaped config.json for the checkpoint's integrity check.
     */
    @Override
    public void saveWeights(java.nio.file.Path dir, int eosTokenId) throws java.io.IOException {
        ai.stratum.hf.Safetensors.write(dir.resolve(ai.stratum.train.checkpoint.Checkpoints.MODEL),
                ai.stratum.hf.Safetensors.sources(layout, params, ""), Map.of("format", "pt"));
        ai.stratum.hf.HfConfig.write(dir, config, eosTokenId, params.dataType() == DataType.DOUBLE ? "float64"
                : "float32");
    }

    @Override
    public void validateWeights(java.nio.file.Path dir) throws java.io.IOException {
        ai.stratum.train.checkpoint.Checkpoints.checkIntegrity(dir);
        java.nio.file.Path file = dir.resolve(ai.stratum.train.checkpoint.Checkpoints.MODEL);
        ai.stratum.hf.Safetensors.Header header = ai.stratum.hf.Safetensors.readHeader(file);
        for (ai.stratum.model.TensorSpec t : layout.tensors()) {
            ai.stratum.hf.Safetensors.Entry e = header.tensors().get(t.name());
            if (e == null) {
                throw new IllegalArgumentException(file + ": no tensor '" + t.name() + "'");
            }
            if (!java.util.Arrays.equals(e.shape(), t.shape())) {
                throw new IllegalArgumentException(file + ": tensor '" + t.name() + "' has shape "
                        + java.util.Arrays.toString(e.shape()) + ", the model needs " + java.util.Arrays.toString(t.shape()));
            }
        }
    }

    @Override
    public void loadWeights(java.nio.file.Path dir) throws java.io.IOException {
        ai.stratum.hf.Safetensors.Header header = ai.stratum.hf.Safetensors.readHeader(
                dir.resolve(ai.stratum.train.checkpoint.Checkpoints.MODEL));
        for (ai.stratum.model.TensorSpec t : layout.tensors()) {
            ai.stratum.hf.Safetensors.readInto(header, t.name(), t.shape(), params, t.offset());
        }
    }
}
