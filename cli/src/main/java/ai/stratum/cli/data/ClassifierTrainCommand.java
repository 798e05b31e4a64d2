package ai.stratum.cli.data;

import ai.stratum.cli.UserException;
import ai.stratum.data.quality.ClassifierTrainer;
import ai.stratum.data.quality.ClassifierTrainer.Example;
import ai.stratum.data.quality.LabelledJsonl;
import ai.stratum.data.quality.LinearClassifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code stratum data classifier train}: reads labelled JSONL, holds out a seeded validation share, trains,
 * reports accuracy per split and writes the model (atomically).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a linear classifier on hashed word n-grams (fastText-style) from labelled JSONL "
                + "({\"text\": ..., \"label\": ...}), e.g. reference text as 'hq' and random web as 'web' (DCLM), or "
                + "0-5 educational scores (FineWeb-Edu: the score is then the expected label value).",
            "Use it in a recipe: filters.quality.enabled=true, filters.quality.model=FILE."})
public final class ClassifierTrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--input", paramLabel = "FILE", required = true, split = ",",
            description = "Labelled JSONL file(s) (.gz/.zst too); repeat or separate with commas.")
    List<Path> inputs;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "The model file to write.")
    Path out;

    @Option(names = "--text-field", defaultValue = "text", description = "JSON field of the text (default: text).")
    String textField;

    @Option(names = "--label-field", defaultValue = "label",
            description = "JSON field of the label (default: label).")
    String labelField;

    @Option(names = "--positive", paramLabel = "LABEL",
            description = "The label whose probability is the quality score (default: the second of two labels in "
                    + "sorted order; numeric labels: the expected value).")
    String positive;

    @Option(names = "--bits", defaultValue = "20", description = "2^bits hash buckets, 10-26 (default: 20).")
    int bits;

    @Option(names = "--ngrams", defaultValue = "2", description = "Word n-grams up to n (default: 2).")
    int ngrams;

    @Option(names = "--epochs", defaultValue = "10", description = "Passes over the data (default: 10).")
    int epochs;

    @Option(names = "--lr", defaultValue = "0.5", description = "Initial learning rate, decayed linearly to 0 "
            + "(default: 0.5).")
    double lr;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the example order and the split.")
    long seed;

    @Option(names = "--valid-fraction", defaultValue = "0.1",
            description = "Share of examples held out to report accuracy on, 0 to 0.5 (default: 0.1).")
    double validFraction;

    @Override
    public Integer call() throws Exception {
        if (!(validFraction >= 0 && validFraction <= 0.5)) {
            throw new UserException("--valid-fraction: between 0 and 0.5, got " + validFraction);
        }
        List<Example> all = new ArrayList<>();
        for (Path p : inputs) {
            if (!Files.isRegularFile(p)) {
                throw new UserException("--input " + p + ": no such file");
            }
            all.addAll(LabelledJsonl.read(p, textField, labelField));
        }
        if (all.isEmpty()) {
            throw new UserException("--input " + inputs + ": no labelled examples");
        }
        SplittableRandom split = new SplittableRandom(seed ^ 0x5EED5EEDL);
        List<Example> train = new ArrayList<>();
        List<Example> valid = new ArrayList<>();
        for (Example e : all) {
            (split.nextDouble() < validFraction ? valid : train).add(e);
        }
        ClassifierTrainer.Options options = new ClassifierTrainer.Options(bits, ngrams, epochs, lr, seed, positive);
        PrintWriter o = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        LinearClassifier model = ClassifierTrainer.train(train, options);
        double secs = (System.nanoTime() - t0) / 1e9;
        long chars = train.stream().mapToLong(e -> e.text().length()).sum();
        o.printf(Locale.ROOT, "trained on %d examples (%.1f MB of text) in %.2f s; labels %s, score = %s%n",
                train.size(), chars / 1e6, secs, model.labels(), model.positiveLabel() == null
                        ? "expected label value" : "P(" + model.positiveLabel() + ")");
        o.printf(Locale.ROOT, "accuracy: train %.4f", accuracy(model, train));
        if (!valid.isEmpty()) {
            o.printf(Locale.ROOT, ", validation %.4f (%d held out)", accuracy(model, valid), valid.size());
        }
        o.println();
        model.save(out);
        o.println("wrote " + out + " (" + Files.size(out) + " bytes)");
        o.flush();
        return 0;
    }

    private static double accuracy(LinearClassifier m, List<Example> examples) {
        int right = 0;
        for (Example e : examples) {
            right += m.predict(e.text()).equals(e.label()) ? 1 : 0;
        }
        return (double) right / examples.size();
    }
}
