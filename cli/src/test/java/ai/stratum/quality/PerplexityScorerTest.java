package ai.stratum.quality;

import ai.stratum.data.quality.QualityScorer;
import ai.stratum.data.quality.QualityScorers;
import ai.stratum.data.recipe.QualityConfig;
import ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson;
import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.train.DecoderModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The perplexity scorer against the trainer's own cross-entropy ({@link Decoder#forward} with targets) and against
 * a naive log-softmax of the logits, for one window and for a long document cut into windows; GPT-2 and Llama
 * checkpoints with a byte-level tokenizer.
 */
class PerplexityScorerTest {
    static final String SHORT = "the cat sat";
    static final String LONG = "A longer document that needs several windows of sixteen bytes: every token is "
            + "predicted once, and the context restarts at each window.";

    @TempDir
    Path dir;

    /** A random checkpoint of {@code config} with a byte-level tokenizer (end-of-text 256). */
    static Path checkpoint(Path dir, ModelConfig config, long seed) throws IOException {
        Files.createDirectories(dir);
        try (Decoder d = new Decoder(config, 1, 4, DataType.FLOAT, Kernels.forCurrentBackend())) {
            d.initWeights(seed);
            // larger weights than N(0, 0.02), so that documents get clearly different perplexities
            d.params().muli(20);
            d.param("norm.weight").assign(1.0);
            new DecoderModel(d).saveWeights(dir, 256);
        }
        ByteLevelTokenizerJson.write(dir.resolve("tokenizer.json"), List.of("<|endoftext|>"));
        return dir;
    }

    static ModelConfig gpt2() {
        return ModelConfig.gpt2(257, 16, 2, 2, 16, 0.0);
    }

    static int[] bytesAfterEot(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[b.length + 1];
        ids[0] = 256;
        for (int i = 0; i < b.length; i++) {
            ids[i + 1] = b[i] & 0xFF;
        }
        return ids;
    }

    @Test
    void oneWindowIsMinusTheTrainersMeanCrossEntropy() throws IOException {
        for (ModelConfig config : List.of(gpt2(), ModelConfig.llama(257, 16, 2, 4, 2, 16, 32, 1e-5, 10000.0, false))) {
            Path ckpt = checkpoint(dir.resolve(config.mlp().toString()), config, 3);
            int[] ids = bytesAfterEot(SHORT);
            int n = ids.length - 1;
            double trainerCe;
            double naive = 0;
            try (Decoder ref = DecoderModel.load(ckpt, 1, 16)) {
                trainerCe = ref.forward(Arrays.copyOf(ids, n), Arrays.copyOfRange(ids, 1, ids.length), 1, n, false, 0L);
                ref.forward(Arrays.copyOf(ids, n), null, 1, n, false, 0L);
                INDArray logits = ref.logits(); // (1, n, V)
                for (int t = 0; t < n; t++) {
                    naive -= logSoftmax(logits.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                            org.nd4j.linalg.indexing.NDArrayIndex.point(t)).toDoubleVector(), ids[t + 1]);
                }
                naive /= n;
            }
            try (ScoringModel m = ScoringModel.open(ckpt, 2, 0)) {
                assertArrayEquals(ids, m.documentIds(SHORT), "end-of-text, then the bytes");
                PerplexityScorer s = new PerplexityScorer(m, PerplexityOptions.of(Map.of()));
                double score = s.score(SHORT);
                assertEquals(-trainerCe, score, 1e-6, config.mlp() + ": score = -mean CE of the trainer");
                assertEquals(-naive, score, 1e-4, config.mlp() + ": score = mean log p(next token)");
                assertEquals(Math.exp(trainerCe), Math.exp(-score), 1e-4 * Math.exp(trainerCe), "exp(-score) = ppl");
                assertTrue(trainerCe > 0.5, "a random model is unsure: " + trainerCe);
            }
        }
    }

    @Test
    void longDocumentsRunInWindowsThatPredictEveryTokenOnce() throws IOException {
        Path ckpt = checkpoint(dir.resolve("gpt2"), gpt2(), 5);
        int[] ids = bytesAfterEot(LONG);
        int t = 16;
        double sum = 0;
        int counted = 0;
        try (Decoder ref = DecoderModel.load(ckpt, 1, 16)) {
            for (int from = 0; from + 1 < ids.length; from += t) { // each window alone, at its own length
                int len = Math.min(t, ids.length - 1 - from);
                sum += len * (double) ref.forward(Arrays.copyOfRange(ids, from, from + len),
                        Arrays.copyOfRange(ids, from + 1, from + 1 + len), 1, len, false, 0L);
                counted += len;
            }
        }
        assertEquals(ids.length - 1, counted);
        for (int batch : new int[] {1, 3, 64}) { // 9 windows: batches of 1; 3, 3, 3; one of 9 (the last padded)
            try (ScoringModel m = ScoringModel.open(ckpt, batch, 0)) {
                double[] nll = m.nll(ids);
                assertEquals(ids.length - 1, nll[1], "tokens predicted");
                assertEquals(sum, nll[0], 1e-4 * sum, "batch " + batch);
                assertEquals(-sum / counted, new PerplexityScorer(m, PerplexityOptions.of(Map.of())).score(LONG),
                        1e-5);
            }
        }
        try (ScoringModel m = ScoringModel.open(ckpt, 2, 8)) { // seq_len 8: windows of 8
            double[] nll = m.nll(ids);
            double sum8 = 0;
            try (Decoder ref = DecoderModel.load(ckpt, 1, 8)) {
                for (int from = 0; from + 1 < ids.length; from += 8) {
                    int len = Math.min(8, ids.length - 1 - from);
                    sum8 += len * (double) ref.forward(Arrays.copyOfRange(ids, from, from + len),
                            Arrays.copyOfRange(ids, from + 1, from + 1 + len), 1, len, false, 0L);
                }
            }
            assertEquals(sum8, nll[0], 1e-4 * sum8);
        }
    }

    @Test
    void bucketsAndOptionsThroughTheServiceLoader() throws IOException {
        Path ckpt = checkpoint(dir.resolve("gpt2"), gpt2(), 7);
        QualityConfig c = new QualityConfig(true, "perplexity", ckpt.toString(), "filter", -100,
                QualityConfig.defaults().weights(), Map.of("batch", 2, "buckets", List.of(-6.0, -5.0)));
        try (QualityScorer s = QualityScorers.open(c)) {
            assertTrue(s instanceof PerplexityScorer, s.describe());
            assertEquals("head", s.label(-5.0));
            assertEquals("middle", s.label(-5.5));
            assertEquals("middle", s.label(-6.0));
            assertEquals("tail", s.label(-6.01));
            assertEquals(Double.NEGATIVE_INFINITY, s.score(""), "no token to predict");
        }
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> QualityScorers.open(
                new QualityConfig(true, "perplexity", ckpt.toString(), "filter", 0, QualityConfig.defaults().weights(),
                        Map.of("seqlen", 8))));
        assertTrue(unknown.getMessage().contains("filters.quality.options.seqlen: unknown option"),
                unknown.getMessage());
        IllegalArgumentException order = assertThrows(IllegalArgumentException.class,
                () -> PerplexityOptions.of(Map.of("buckets", List.of(-5.0, -6.0))));
        assertTrue(order.getMessage().contains("filters.quality.options.buckets"), order.getMessage());
        IllegalArgumentException noModel = assertThrows(IllegalArgumentException.class, () -> QualityScorers.open(
                new QualityConfig(true, "perplexity", dir.resolve("none").toString(), "filter", 0,
                        QualityConfig.defaults().weights())));
        assertTrue(noModel.getMessage().contains("filters.quality.model") && noModel.getMessage().contains("none"),
                noModel.getMessage());
        IllegalArgumentException classifierOptions = assertThrows(IllegalArgumentException.class,
                () -> new ai.stratum.data.quality.ClassifierScorer.Provider().open(new QualityConfig(false,
                        "classifier", "", "filter", 0.5, QualityConfig.defaults().weights(), Map.of("batch", 2))));
        assertTrue(classifierOptions.getMessage().contains("filters.quality.options.batch"),
                classifierOptions.getMessage());
    }

    static double logSoftmax(double[] z, int target) {
        double max = Arrays.stream(z).max().orElseThrow();
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        return z[target] - max - Math.log(sum);
    }
}
