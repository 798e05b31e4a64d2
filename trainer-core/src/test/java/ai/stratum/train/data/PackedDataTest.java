package ai.stratum.train.data;

import ai.stratum.train.BigramModel;
import ai.stratum.train.EvalConfig;
import ai.stratum.train.Evaluation;
import ai.stratum.train.LanguageModel;
import ai.stratum.train.LogConfig;
import ai.stratum.train.ModelInit;
import ai.stratum.train.TrainConfig;
import ai.stratum.train.Trainer;
import ai.stratum.train.TrainingConfig;
import ai.stratum.train.checkpoint.CheckpointConfig;
import ai.stratum.train.checkpoint.Checkpoints;
import ai.stratum.train.metrics.StepMetrics;
import ai.stratum.train.optim.OptimConfig;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loop over data that is not token shards: rows packing two examples, with masked targets (as SFT has). */
class PackedDataTest {

    @TempDir
    Path tmp;

    /** Every row: example 0 on positions 0..3, example 1 on 4..7; targets masked on each example's first half. */
    static final int[] SEGMENTS = {0, 0, 0, 0, 1, 1, 1, 1};
    static final int[] MASK = {1, 1, 0, 0, 1, 1, 0, 0};

    /** Rows cycling through a fixed token pattern; the position counts rows served. */
    static final class PackedRows implements BatchSource {
        final int batch;
        long served;

        PackedRows(int batch, long start) {
            this.batch = batch;
            this.served = start;
        }

        @Override
        public int batch() {
            return batch;
        }

        @Override
        public int seqLen() {
            return 8;
        }

        @Override
        public boolean next(int[] tokens, int[] targets, int[] segmentIds) {
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < 8; t++) {
                    int i = b * 8 + t;
                    tokens[i] = (int) ((served + t) % 7);
                    targets[i] = MASK[t] == 1 ? -1 : (tokens[i] + 1) % 7;
                    segmentIds[i] = SEGMENTS[t];
                }
                served++;
            }
            return true;
        }

        @Override
        public DataPosition position() {
            return new DataPosition(0, 0, served);
        }

        @Override
        public void close() {
        }
    }

    static final class PackedData implements TrainingData {
        @Override
        public BatchSource openTrain(int batch, int seqLen, int vocabSize, long seed, DataPosition start) {
            return new PackedRows(batch, start.window());
        }

        @Override
        public boolean hasValidation() {
            return true;
        }

        @Override
        public BatchSource openValidation(int batch, int seqLen, int vocabSize) {
            return new PackedRows(batch, 1000);
        }

        @Override
        public int evalSteps(int configured, BatchSource validation) {
            return configured;
        }

        @Override
        public List<String> identity() {
            return List.of("packed-rows");
        }

        @Override
        public String describe() {
            return "packed rows";
        }
    }

    /** A bigram model that records the segment ids and targets it was given. */
    static class Recording implements LanguageModel {
        final BigramModel inner;
        final List<int[]> segments = new ArrayList<>();
        final List<int[]> targets = new ArrayList<>();

        Recording(ModelConfig config) {
            inner = new BigramModel(config, DataType.FLOAT, -1);
        }

        @Override
        public float forward(int[] tokens, int[] targets, int batch, int seqLen, boolean training, long dropoutSeed,
                             int[] segmentIds) {
            segments.add(segmentIds == null ? null : segmentIds.clone());
            this.targets.add(targets.clone());
            return inner.forward(tokens, targets, batch, seqLen, training, dropoutSeed, segmentIds);
        }

        @Override
        public ModelConfig config() {
            return inner.config();
        }

        @Override
        public void saveWeights(java.nio.file.Path dir, int eosTokenId) throws IOException {
            inner.saveWeights(dir, eosTokenId);
        }

        @Override
        public void validateWeights(java.nio.file.Path dir) throws IOException {
            inner.validateWeights(dir);
        }

        @Override
        public void loadWeights(java.nio.file.Path dir) throws IOException {
            inner.loadWeights(dir);
        }

        @Override
        public ParameterLayout layout() {
            return inner.layout();
        }

        @Override
        public INDArray params() {
            return inner.params();
        }

        @Override
        public INDArray grads() {
            return inner.grads();
        }

        @Override
        public void initWeights(long seed) {
            inner.initWeights(seed);
        }

        @Override
        public void zeroGrads() {
            inner.zeroGrads();
        }

        @Override
        public void backward(float lossScale) {
            inner.backward(lossScale);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @Test
    void theLoopPassesSegmentsAndMaskedTargetsAndLearnsTheUnmaskedOnes() throws IOException {
        TrainConfig cfg = new TrainConfig(ModelConfig.gpt2(7, 8, 1, 1, 4, 0.0),
                new OptimConfig(0.2, 0.02, 2, 0.0, 0.9, 0.95, 1e-8, 1.0),
                new TrainingConfig(30, 0, 2, 8, 16, 1, "float32"),
                new EvalConfig(0, 2), new CheckpointConfig(0, 1), new LogConfig(10));
        List<Recording> models = new ArrayList<>();
        List<StepMetrics> steps = new ArrayList<>();
        Trainer.Result result = new Trainer(new Trainer.Run(cfg, new PackedData(), tmp.resolve("run"), false, ModelInit.fromSeed(), name -> true,
                        null, cfg.model().vocabSize() - 1, 0),
                (config, batch, seqLen, dtype) -> {
                    Recording r = new Recording(config);
                    models.add(r);
                    return r;
                }, line -> { }, steps::add).run();
        Recording model = models.get(0);
        assertEquals(30 + 2, model.segments.size(), "30 training forwards and 2 evaluation forwards");
        int[] row2 = new int[16];
        System.arraycopy(SEGMENTS, 0, row2, 0, 8);
        System.arraycopy(SEGMENTS, 0, row2, 8, 8);
        for (int[] s : model.segments) {
            assertArrayEquals(row2, s);
        }
        assertEquals(-1, model.targets.get(0)[0]);
        // the unmasked targets are (token + 1) mod 7: a bigram learns them exactly
        assertTrue(steps.get(29).loss() < 0.3 * steps.get(0).loss(), steps.get(0).loss() + " -> " + steps.get(29).loss());
        assertEquals(2 * 2 * 4, result.val().tokens(), "evaluation counts only unmasked targets");
        assertEquals(List.of("packed-rows"), Checkpoints.readState(tmp.resolve("run/latest")).data());
        assertEquals(new DataPosition(0, 0, 60), Checkpoints.readState(tmp.resolve("run/latest")).dataPosition());
    }

    @Test
    void evaluationWeightsEachBatchByItsTargets() throws IOException {
        // batch 1 has 2 targets and loss 1; batch 2 has 6 targets and loss 3: the mean per target is 2.5
        BatchSource two = new BatchSource() {
            int call;

            @Override
            public int batch() {
                return 1;
            }

            @Override
            public int seqLen() {
                return 8;
            }

            @Override
            public boolean next(int[] tokens, int[] targets, int[] segmentIds) {
                Arrays.fill(tokens, call);
                Arrays.fill(targets, -1);
                Arrays.fill(targets, 0, call == 0 ? 2 : 6, 1);
                call++;
                return false;
            }

            @Override
            public DataPosition position() {
                return new DataPosition(0, 0, call);
            }

            @Override
            public void close() {
            }
        };
        Recording fixedLoss = new Recording(ModelConfig.gpt2(7, 8, 1, 1, 4, 0.0)) {
            @Override
            public float forward(int[] tokens, int[] targets, int batch, int seqLen, boolean training,
                                 long dropoutSeed, int[] segmentIds) {
                return tokens[0] == 0 ? 1f : 3f;
            }
        };
        Evaluation.Result r = Evaluation.run(fixedLoss, two, 2);
        assertEquals(2.5, r.loss(), 1e-12);
        assertEquals(8, r.tokens());
        assertEquals(Math.exp(2.5), r.perplexity(), 1e-9);
        fixedLoss.close();
    }
}
