package ai.stratum.data.quality;

import ai.stratum.io.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A softmax (for two labels: logistic) regression over {@link HashedNgrams} features averaged over the text, as
 * fastText's supervised model without the hidden layer: {@code p = softmax(b + W^T x)} with {@code x} the mean
 * one-hot of the text's feature buckets. Immutable once trained; {@link #probabilities} is thread-safe.
 *
 * <p>File format ({@code .sqc}, little-endian, written atomically):
 * <pre>
 *   8 bytes   magic "STRQCLS1"
 *   int32     format version (1)
 *   int32     bits: 2^bits buckets
 *   int32     ngrams: word n-grams up to this n
 *   int32     K: number of labels
 *   K times   int32 length + UTF-8 bytes of the label (sorted by {@link String#compareTo})
 *   int32     positive: index of the label whose probability is the score, or -1 when every label is a number
 *             and the score is the expected label value
 *   K x f32   biases
 *   2^bits x K x f32  weights, bucket-major (the K weights of bucket 0, then of bucket 1, ...)
 *   int32     CRC-32 of every byte before it
 * </pre>
 */
public final class LinearClassifier {
    static final byte[] MAGIC = "STRQCLS1".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    private final HashedNgrams features;
    private final List<String> labels;
    private final int positive;
    private final double[] labelValues;
    private final float[] bias;
    /** [bucket * K + label]. */
    private final float[] weights;

    LinearClassifier(HashedNgrams features, List<String> labels, int positive, float[] bias, float[] weights) {
        this.features = features;
        this.labels = List.copyOf(labels);
        int k = labels.size();
        if (k < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 labels, got " + labels);
        }
        if (bias.length != k || weights.length != (long) features.buckets() * k) {
            throw new IllegalArgumentException("weights do not match " + k + " labels x 2^" + features.bits());
        }
        if (positive < -1 || positive >= k) {
            throw new IllegalArgumentException("positive label index " + positive + " out of range");
        }
        this.labelValues = positive == -1 ? numericValues(labels) : null;
        if (positive == -1 && labelValues == null) {
            throw new IllegalArgumentException("labels " + labels + " are not all numbers: name the positive label");
        }
        this.positive = positive;
        this.bias = bias;
        this.weights = weights;
    }

    /** The labels as numbers, or null when one is not a number. */
    static double[] numericValues(List<String> labels) {
        double[] v = new double[labels.size()];
        for (int i = 0; i < v.length; i++) {
            try {
                v[i] = Double.parseDouble(labels.get(i));
            } catch (NumberFormatException e) {
                return null;
            }
            if (!Double.isFinite(v[i])) {
                return null;
            }
        }
        return v;
    }

    public List<String> labels() {
        return labels;
    }

    public HashedNgrams features() {
        return features;
    }

    /** The positive label, or null for a numeric-label model (its score is the expected label value). */
    public String positiveLabel() {
        return positive < 0 ? null : labels.get(positive);
    }

    /** Label probabilities for a text (no features: the biases alone). */
    public double[] probabilities(CharSequence text) {
        return probabilities(features.features(text));
    }

    double[] probabilities(int[] feats) {
        int k = labels.size();
        double[] z = new double[k];
        if (feats.length > 0) {
            for (int f : feats) {
                int base = f * k;
                for (int j = 0; j < k; j++) {
                    z[j] += weights[base + j];
                }
            }
            for (int j = 0; j < k; j++) {
                z[j] /= feats.length;
            }
        }
        for (int j = 0; j < k; j++) {
            z[j] += bias[j];
        }
        return softmax(z);
    }

    static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] p = new double[z.length];
        for (int j = 0; j < z.length; j++) {
            p[j] = Math.exp(z[j] - max);
            sum += p[j];
        }
        for (int j = 0; j < z.length; j++) {
            p[j] /= sum;
        }
        return p;
    }

    /** The score: the positive label's probability, or the expected label value for numeric labels. */
    public double score(CharSequence text) {
        return score(probabilities(text));
    }

    double score(double[] p) {
        if (positive >= 0) {
            return p[positive];
        }
        double e = 0;
        for (int j = 0; j < p.length; j++) {
            e += p[j] * labelValues[j];
        }
        return e;
    }

    /** The most probable label (ties: the first in sorted order). */
    public String predict(CharSequence text) {
        double[] p = probabilities(text);
        int best = 0;
        for (int j = 1; j < p.length; j++) {
            if (p[j] > p[best]) {
                best = j;
            }
        }
        return labels.get(best);
    }

    public void save(Path file) throws IOException {
        AtomicFiles.writeStream(file, out -> {
            CRC32 crc = new CRC32();
            List<byte[]> labelBytes = new ArrayList<>();
            int headerSize = 8 + 4 * 4;
            for (String l : labels) {
                byte[] b = l.getBytes(StandardCharsets.UTF_8);
                labelBytes.add(b);
                headerSize += 4 + b.length;
            }
            headerSize += 4 + 4 * bias.length;
            ByteBuffer head = ByteBuffer.allocate(headerSize).order(ByteOrder.LITTLE_ENDIAN);
            head.put(MAGIC).putInt(VERSION).putInt(features.bits()).putInt(features.maxN()).putInt(labels.size());
            for (byte[] b : labelBytes) {
                head.putInt(b.length).put(b);
            }
            head.putInt(positive);
            for (float b : bias) {
                head.putFloat(b);
            }
            crc.update(head.array());
            out.write(head.array());
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (float w : weights) {
                if (!chunk.hasRemaining()) {
                    crc.update(chunk.array(), 0, chunk.position());
                    out.write(chunk.array(), 0, chunk.position());
                    chunk.clear();
                }
                chunk.putFloat(w);
            }
            crc.update(chunk.array(), 0, chunk.position());
            out.write(chunk.array(), 0, chunk.position());
            ByteBuffer tail = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue());
            out.write(tail.array());
        });
    }

    /** Reads a model written by {@link #save}; every malformed part is named with the file. */
    public static LinearClassifier load(Path file) throws IOException {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such classifier model (train one with 'stratum data "
                    + "classifier train')");
        }
        if (all.length < 8 + 4 || !java.util.Arrays.equals(all, 0, 8, MAGIC, 0, 8)) {
            throw new IllegalArgumentException(file + ": not a Stratum classifier model (no STRQCLS1 header)");
        }
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - 4);
        ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.getInt(all.length - 4) != (int) crc.getValue()) {
            throw new IllegalArgumentException(file + ": checksum mismatch (truncated or corrupted model file)");
        }
        buf.position(8);
        int version = buf.getInt();
        if (version != VERSION) {
            throw new IllegalArgumentException(file + ": model format version " + version + ", this build reads "
                    + VERSION);
        }
        int bits = buf.getInt();
        int ngrams = buf.getInt();
        HashedNgrams features = new HashedNgrams(bits, ngrams);
        int k = buf.getInt();
        if (k < 2 || k > 1000) {
            throw new IllegalArgumentException(file + ": " + k + " labels (expected 2 to 1000)");
        }
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            byte[] b = new byte[buf.getInt()];
            buf.get(b);
            labels.add(new String(b, StandardCharsets.UTF_8));
        }
        int positive = buf.getInt();
        float[] bias = new float[k];
        for (int i = 0; i < k; i++) {
            bias[i] = buf.getFloat();
        }
        long n = (long) features.buckets() * k;
        if (buf.remaining() != n * 4 + 4) {
            throw new IllegalArgumentException(file + ": " + (buf.remaining() - 4) + " bytes of weights, expected "
                    + n * 4);
        }
        float[] weights = new float[(int) n];
        buf.asFloatBuffer().get(weights);
        return new LinearClassifier(features, labels, positive, bias, weights);
    }

}
