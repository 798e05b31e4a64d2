package ai.stratum.cli.data;

import ai.stratum.cli.UserException;
import ai.stratum.quality.DocumentSample;
import ai.stratum.quality.PerplexityOptions;
import ai.stratum.quality.PerplexityScorer;
import ai.stratum.quality.ScoringModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code stratum data perplexity-buckets}: CCNet's bucket thresholds for the {@code perplexity} quality scorer,
 * the 33rd and 66th percentiles of the scores of a reference sample, printed as the recipe keys to set.
 */
@Command(name = "perplexity-buckets", mixinStandardHelpOptions = true,
        description = {"Score a sample of documents by perplexity under a model and print CCNet's head/middle/tail "
                + "thresholds (the 33rd and 66th percentiles of the score -log perplexity) as the recipe keys "
                + "filters.quality.options.buckets."})
public final class PerplexityBucketsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", required = true,
            description = "The checkpoint (or run directory) the recipe's perplexity step will use.")
    Path model;

    @Mixin
    DocumentInput input;

    @Option(names = "--sample", paramLabel = "N", defaultValue = "1000",
            description = "Documents to score, chosen by a seeded hash of their ids (default: ${DEFAULT-VALUE}; 0 = all).")
    int sample;

    @Option(names = "--seq-len", paramLabel = "N", defaultValue = "0",
            description = "Window length, as the recipe's options.seq_len (default: 0 = the model's context, at most 2048).")
    int seqLen;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "4",
            description = "Windows per forward, as options.batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Override
    public Integer call() throws IOException {
        input.requireFile();
        List<DocumentSample.Doc> docs = input.read(sample);
        PerplexityOptions options = new PerplexityOptions(seqLen, batch, new double[0]);
        double[] scores;
        try (PerplexityScorer scorer = new PerplexityScorer(ScoringModel.open(model, batch, seqLen), options)) {
            scores = docs.stream().mapToDouble(d -> scorer.score(d.text())).filter(Double::isFinite).toArray();
        }
        if (scores.length < 3) {
            throw new UserException("--in " + input.file() + ": " + scores.length + " documents with text; the percentiles "
                    + "need at least 3");
        }
        Arrays.sort(scores);
        double middle = percentile(scores, 1.0 / 3);
        double head = percentile(scores, 2.0 / 3);
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "scored %d documents: score (-log perplexity) min %.4f, 33rd percentile %.4f, 66th "
                        + "percentile %.4f, max %.4f (perplexity %.2f / %.2f)%n", scores.length, scores[0], middle,
                head, scores[scores.length - 1], Math.exp(-middle), Math.exp(-head));
        o.printf(Locale.ROOT, "recipe: filters.quality.options.buckets: [%.4f, %.4f]   (tail < %.4f <= middle < %.4f "
                + "<= head)%n", middle, head, middle, head);
        o.printf(Locale.ROOT, "--set 'filters.quality.options.buckets=[%.4f, %.4f]'%n", middle, head);
        o.flush();
        return 0;
    }

    /** numpy's default percentile: linear interpolation between the closest ranks of sorted values. */
    static double percentile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
