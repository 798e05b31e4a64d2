package ai.stratum.data.quality;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Trains a {@link LinearClassifier} by plain SGD on the softmax cross-entropy, fastText's schedule: the learning
 * rate falls linearly from {@code lr} to 0 over all updates, examples are visited in a fresh seeded order each
 * epoch, one thread (so the same data and seed give the same model, bit for bit).
 */
public final class ClassifierTrainer {
    /**
     * @param bits     2^bits feature buckets
     * @param ngrams   word n-grams up to this n (2: words and word pairs)
     * @param positive the label whose probability is the score; null: the labels must all be numbers (score =
     *                 expected value) or be exactly two, the second in sorted order being the positive one
     */
    public record Options(int bits, int ngrams, int epochs, double lr, long seed, String positive) {
        public Options {
            new HashedNgrams(bits, ngrams); // validates both
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs: at least 1, got " + epochs);
            }
            if (!(lr > 0 && lr <= 10)) {
                throw new IllegalArgumentException("lr: a learning rate in (0, 10], got " + lr);
            }
        }

        public static Options defaults() {
            return new Options(20, 2, 10, 0.5, 1, null);
        }
    }

    public record Example(String text, String label) {
        public Example {
            if (text == null || label == null || label.isEmpty()) {
                throw new IllegalArgumentException("an example needs a text and a non-empty label");
            }
        }
    }

    private ClassifierTrainer() {
    }

    public static LinearClassifier train(List<Example> examples, Options o) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        List<String> labels = new ArrayList<>(new TreeSet<>(examples.stream().map(Example::label).toList()));
        if (labels.size() < 2) {
            throw new IllegalArgumentException("the training data has one label only (" + labels.get(0)
                    + "); a classifier needs examples of at least two");
        }
        int positive = positiveIndex(labels, o.positive());
        HashedNgrams features = new HashedNgrams(o.bits(), o.ngrams());
        int k = labels.size();
        int[][] feats = new int[examples.size()][];
        int[] y = new int[examples.size()];
        for (int i = 0; i < feats.length; i++) {
            feats[i] = features.features(examples.get(i).text());
            y[i] = labels.indexOf(examples.get(i).label());
        }
        float[] w = new float[features.buckets() * k];
        float[] b = new float[k];
        LinearClassifier model = new LinearClassifier(features, labels, positive, b, w);
        SplittableRandom random = new SplittableRandom(o.seed());
        long total = (long) o.epochs() * feats.length;
        long step = 0;
        int[] order = new int[feats.length];
        double[] g = new double[k];
        for (int epoch = 0; epoch < o.epochs(); epoch++) {
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            for (int i = order.length - 1; i > 0; i--) { // Fisher-Yates
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int idx : order) {
                double lr = o.lr() * (1 - (double) step / total);
                step++;
                double[] p = model.probabilities(feats[idx]);
                for (int j = 0; j < k; j++) {
                    g[j] = p[j] - (j == y[idx] ? 1 : 0);
                }
                int[] f = feats[idx];
                if (f.length > 0) {
                    double scale = lr / f.length;
                    for (int bucket : f) {
                        int base = bucket * k;
                        for (int j = 0; j < k; j++) {
                            w[base + j] -= (float) (scale * g[j]);
                        }
                    }
                }
                for (int j = 0; j < k; j++) {
                    b[j] -= (float) (lr * g[j]);
                }
            }
        }
        return model;
    }

    static int positiveIndex(List<String> labels, String positive) {
        if (positive != null) {
            int i = labels.indexOf(positive);
            if (i < 0) {
                throw new IllegalArgumentException("positive label '" + positive + "' is not among the labels "
                        + labels);
            }
            return i;
        }
        if (LinearClassifier.numericValues(labels) != null) {
            return -1;
        }
        if (labels.size() == 2) {
            return 1;
        }
        throw new IllegalArgumentException("labels " + labels + ": with more than two labels that are not all "
                + "numbers, name the positive one (--positive LABEL)");
    }
}
