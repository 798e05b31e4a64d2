package ai.stratum.data.quality;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.quality.ClassifierTrainer.Example;
import ai.stratum.data.quality.ClassifierTrainer.Options;
import ai.stratum.data.recipe.QualityConfig;
import ai.stratum.data.step.StepResult;
import ai.stratum.fixtures.web.SyntheticWeb;
import ai.stratum.fixtures.web.WordLists;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QualityClassifierTest {
    @TempDir
    Path tmp;

    @Test
    void featuresAreWordsAndWordPairsCaseInsensitive() {
        HashedNgrams f = new HashedNgrams(20, 2);
        int[] a = f.features("The cat, the HAT!");
        assertEquals(4 + 3, a.length, "4 words and 3 pairs");
        // word i's unigram is at 2i (followed by its pair with word i+1)
        assertEquals(a[0], a[4], "'The' and 'the' share a bucket");
        assertTrue(a[1] != a[5], "the pair (the cat) differs from (the hat)");
        assertArrayEquals(f.features("the cat the hat"), a, "punctuation and case do not matter");
        int[] swapped = f.features("cat the hat the");
        assertEquals(java.util.Arrays.stream(a).filter(x -> x == a[2]).count(),
                java.util.Arrays.stream(swapped).filter(x -> x == a[2]).count(), "unigrams do not depend on order");
        assertEquals(0, f.features(" ,.; ").length);
        assertThrows(IllegalArgumentException.class, () -> new HashedNgrams(30, 2));
    }

    /** A plain reference: the same SGD written with maps of feature counts and doubles. */
    private static Map<Integer, double[]> naiveTrain(List<int[]> feats, int[] y, int k, int epochs, double lr,
                                                     long seed, double[] bias) {
        Map<Integer, double[]> w = new HashMap<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        long total = (long) epochs * feats.size();
        long step = 0;
        for (int e = 0; e < epochs; e++) {
            int[] order = new int[feats.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            for (int i = order.length - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int idx : order) {
                double rate = lr * (1 - (double) step++ / total);
                Map<Integer, Double> x = new HashMap<>();
                for (int f : feats.get(idx)) {
                    x.merge(f, 1.0 / feats.get(idx).length, Double::sum);
                }
                double[] z = bias.clone();
                for (var en : x.entrySet()) {
                    double[] row = w.getOrDefault(en.getKey(), new double[k]);
                    for (int j = 0; j < k; j++) {
                        z[j] += row[j] * en.getValue();
                    }
                }
                double[] p = LinearClassifier.softmax(z);
                for (var en : x.entrySet()) {
                    double[] row = w.computeIfAbsent(en.getKey(), q -> new double[k]);
                    for (int j = 0; j < k; j++) {
                        row[j] -= rate * (p[j] - (j == y[idx] ? 1 : 0)) * en.getValue();
                    }
                }
                for (int j = 0; j < k; j++) {
                    bias[j] -= rate * (p[j] - (j == y[idx] ? 1 : 0));
                }
            }
        }
        return w;
    }

    private static List<Example> data(long seed, int n) {
        SyntheticWeb web = new SyntheticWeb(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // "hq": prose; "web": spam lines -- a separable task of the DCLM kind
            out.add(i % 2 == 0 ? new Example(web.prose(WordLists.EN, 2), "hq") : new Example(web.spam(6), "web"));
        }
        return out;
    }

    @Test
    void sgdMatchesAPlainReferenceImplementation() {
        List<Example> train = data(3, 40);
        Options o = new Options(10, 2, 3, 0.7, 5, "hq");
        LinearClassifier m = ClassifierTrainer.train(train, o);
        List<int[]> feats = new ArrayList<>();
        int[] y = new int[train.size()];
        for (int i = 0; i < y.length; i++) {
            feats.add(m.features().features(train.get(i).text()));
            y[i] = m.labels().indexOf(train.get(i).label());
        }
        double[] bias = new double[2];
        Map<Integer, double[]> w = naiveTrain(feats, y, 2, 3, 0.7, 5, bias);
        for (int i = 0; i < y.length; i++) {
            double[] z = bias.clone();
            for (int f : feats.get(i)) {
                for (int j = 0; j < 2; j++) {
                    z[j] += w.get(f)[j] / feats.get(i).length;
                }
            }
            double[] expected = LinearClassifier.softmax(z);
            assertArrayEquals(expected, m.probabilities(feats.get(i)), 1e-4, "example " + i);
        }
    }

    @Test
    void learnsHeldOutDataAndIsReproducible() throws IOException {
        LinearClassifier m = ClassifierTrainer.train(data(1, 400), Options.defaults());
        assertEquals(List.of("hq", "web"), m.labels());
        assertEquals("web", m.positiveLabel(), "two labels, none named: the second in sorted order");
        int right = 0;
        List<Example> test = data(2, 200);
        for (Example e : test) {
            right += m.predict(e.text()).equals(e.label()) ? 1 : 0;
        }
        assertTrue(right >= 196, "held-out accuracy " + right + "/200");
        Path a = tmp.resolve("a.sqc");
        Path b = tmp.resolve("b.sqc");
        m.save(a);
        ClassifierTrainer.train(data(1, 400), Options.defaults()).save(b);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "same data and seed, same model bytes");
        LinearClassifier back = LinearClassifier.load(a);
        for (Example e : test) {
            assertEquals(m.score(e.text()), back.score(e.text()), 0.0);
        }
        assertEquals((1 << 20) * 2 * 4L + 8 + 16 + 4 + 2 + 4 + 3 + 4 + 8 + 4, Files.size(a), "documented layout");
    }

    @Test
    void numericLabelsScoreTheExpectedValue() {
        SyntheticWeb web = new SyntheticWeb(4);
        List<Example> train = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            train.add(switch (i % 3) {
                case 0 -> new Example(web.spam(5), "0");
                case 1 -> new Example(web.prose(WordLists.DE, 2), "2");
                default -> new Example(web.prose(WordLists.EN, 2), "5");
            });
        }
        LinearClassifier m = ClassifierTrainer.train(train, new Options(20, 2, 20, 1.0, 1, null));
        assertEquals(null, m.positiveLabel());
        double[] p = m.probabilities(web.prose(WordLists.EN, 2));
        assertEquals(0 * p[0] + 2 * p[1] + 5 * p[2], m.score(web.prose(WordLists.EN, 2)), 0.5);
        assertTrue(m.score(web.prose(WordLists.EN, 2)) > 3.5, "English prose scores near 5: " + m.score(web.prose(WordLists.EN, 2)));
        assertTrue(m.score(web.spam(5)) < 1.5, "spam near 0: " + m.score(web.spam(5)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClassifierTrainer.train(
                List.of(new Example("a", "x"), new Example("b", "y"), new Example("c", "z")), Options.defaults()));
        assertTrue(e.getMessage().contains("--positive"), e.getMessage());
    }

    @Test
    void badModelFilesAreNamed() throws IOException {
        Path m = tmp.resolve("m.sqc");
        ClassifierTrainer.train(data(1, 20), new Options(10, 2, 1, 0.5, 1, null)).save(m);
        byte[] bytes = Files.readAllBytes(m);
        bytes[100] ^= 1;
        Path bad = tmp.resolve("bad.sqc");
        Files.write(bad, bytes);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LinearClassifier.load(bad)).getMessage()
                .contains("bad.sqc: checksum mismatch"));
        Path text = tmp.resolve("x.txt");
        Files.writeString(text, "hello");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LinearClassifier.load(text)).getMessage()
                .contains("not a Stratum classifier model"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LinearClassifier.load(tmp.resolve("none")))
                .getMessage().contains("stratum data classifier train"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QualityScorers.open(new QualityConfig(true,
                "perplexity", "", "filter", 0.5, QualityConfig.defaults().weights()))).getMessage()
                .contains("unknown scorer 'perplexity'; known: [classifier, test_marker]"), "built in and plugged in");
    }

    private static Document doc(String id, String text) {
        return new Document(id, text, "s");
    }

    @Test
    void stepFiltersByThresholdAndKeepsTheScore() {
        LinearClassifier m = ClassifierTrainer.train(data(1, 200), new Options(16, 2, 5, 0.5, 1, "hq"));
        QualityConfig filter = new QualityConfig(false, "classifier", "", "filter", 0.5,
                QualityConfig.defaults().weights());
        QualityStep step = new QualityStep(filter, new ClassifierScorer(m, "test"), 1);
        SyntheticWeb web = new SyntheticWeb(9);
        StepResult kept = step.apply(doc("a", web.prose(WordLists.EN, 2)), new StepStats("quality"));
        double score = Double.parseDouble(((StepResult.Keep) kept).doc().metadata().get("quality_score"));
        assertTrue(score > 0.7, "prose scores high: " + score);
        StepResult.Drop drop = (StepResult.Drop) step.apply(doc("b", web.spam(6)), new StepStats("quality"));
        assertEquals("quality_below_threshold", drop.reason());
        assertTrue(drop.detail().endsWith("< 0.5"), drop.detail());
    }

    @Test
    void weightModeGivesSeededCopiesAveragingTheWeight() {
        QualityConfig weight = new QualityConfig(false, "classifier", "", "weight", 0.5,
                List.of(List.of(0.0, 0.0), List.of(0.25, 0.4), List.of(0.75, 2.5)));
        QualityScorer fixed = new QualityScorer() {
            @Override
            public String describe() {
                return "fixed";
            }

            @Override
            public double score(String text) {
                return Double.parseDouble(text);
            }
        };
        QualityStep step = new QualityStep(weight, fixed, 42);
        for (double[] c : new double[][] {{0.8, 2.5}, {0.3, 0.4}}) {
            long copies = 0;
            int n = 4000;
            for (int i = 0; i < n; i++) {
                StepResult r = step.apply(doc("doc-" + i, Double.toString(c[0])), new StepStats("quality"));
                int k = r instanceof StepResult.Keep keep ? QualityStep.copies(keep.doc()) : 0;
                if (r instanceof StepResult.Drop d) {
                    assertEquals("quality_sampled_out", d.reason());
                }
                assertTrue(k == Math.floor(c[1]) || k == Math.floor(c[1]) + 1, "copies " + k);
                copies += k;
                // the same id decides the same on a rerun, another seed may not
                StepResult again = new QualityStep(weight, fixed, 42).apply(doc("doc-" + i, Double.toString(c[0])),
                        new StepStats("quality"));
                assertEquals(k, again instanceof StepResult.Keep keep ? QualityStep.copies(keep.doc()) : 0);
            }
            // binomial: sd of the mean copies is sqrt(p(1-p)/n) < 0.008
            assertEquals(c[1], (double) copies / n, 0.03, "mean copies for score " + c[0]);
        }
        assertEquals(0.0, weight.weightFor(0.1));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new QualityConfig(true, "classifier",
                "no/such.sqc", "filter", 0.5, QualityConfig.defaults().weights())).getMessage()
                .startsWith("filters.quality.model: 'no/such.sqc' is not a file"));
        assertEquals(1, QualityStep.copies(doc("x", "t")), "no quality step: one copy");
        assertThrows(IllegalArgumentException.class, () -> new QualityConfig(false, "classifier", "", "weight", 0.5,
                List.of(List.of(0.5, 1.0), List.of(0.2, 2.0))));
        assertThrows(IllegalArgumentException.class, () -> new QualityConfig(false, "classifier", "", "upsample", 0.5,
                List.of(List.of(0.5, 1.0))));
    }
}
