package ai.stratum.cli.bench;

import ai.stratum.cli.UserException;
import ai.stratum.generate.BatchGenerator;
import ai.stratum.generate.Sampler;
import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.kernels.Kernels;
import ai.stratum.train.DecoderModel;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code stratum bench generate}: batched KV-cached generation ({@link BatchGenerator}) at batch 1 against larger
 * batches on the same requests, in alternating rounds (the VM's speed drifts), reporting prefill and decode
 * tokens/s and the ratio of each batch's decode speed to batch 1's, and whether the answers (greedy, or sampled with
 * each request's own seed) were equal at every batch size.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Batched generation throughput: decode tokens/s at batch 1 vs larger batches, in one run.")
public final class GenerateBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR",
            description = "A checkpoint to generate with (default: a randomly initialized GPT-2 of the --vocab, "
                    + "--d-model, --layers, --heads, --context sizes).")
    Path model;

    @Option(names = "--vocab", defaultValue = "4096", description = "Default: ${DEFAULT-VALUE}.")
    int vocab;

    @Option(names = "--d-model", defaultValue = "256", description = "Default: ${DEFAULT-VALUE}.")
    int dModel;

    @Option(names = "--layers", defaultValue = "4", description = "Default: ${DEFAULT-VALUE}.")
    int layers;

    @Option(names = "--heads", defaultValue = "4", description = "Default: ${DEFAULT-VALUE}.")
    int heads;

    @Option(names = "--context", defaultValue = "256", description = "Default: ${DEFAULT-VALUE}.")
    int context;

    @Option(names = "--batches", split = ",", defaultValue = "1,8,16",
            description = "Batch sizes; the first is the reference. Default: ${DEFAULT-VALUE}.")
    int[] batches;

    @Option(names = "--requests", defaultValue = "32", description = "Requests per run. Default: ${DEFAULT-VALUE}.")
    int requests;

    @Option(names = "--prompt-tokens", defaultValue = "32", description = "Default: ${DEFAULT-VALUE}.")
    int promptTokens;

    @Option(names = "--new-tokens", defaultValue = "64", description = "Default: ${DEFAULT-VALUE}.")
    int newTokens;

    @Option(names = "--temperature", defaultValue = "0",
            description = "0 is greedy; otherwise each request samples with its own seed. Default: ${DEFAULT-VALUE}.")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Default: ${DEFAULT-VALUE}.")
    int topK;

    @Option(names = "--rounds", defaultValue = "2",
            description = "Alternating rounds over the batch sizes; the best of each is kept. Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Override
    public Integer call() throws IOException {
        if (batches.length < 2 || Arrays.stream(batches).anyMatch(b -> b < 1) || requests < 1 || rounds < 1
                || promptTokens < 1 || newTokens < 1) {
            throw new UserException("bench generate: --batches needs two or more sizes >= 1, and --requests, "
                    + "--rounds, --prompt-tokens and --new-tokens must be at least 1");
        }
        int rows = Math.max(Arrays.stream(batches).max().getAsInt(), 128);
        PrintWriter out = spec.commandLine().getOut();
        try (Decoder d = open(rows)) {
            ModelConfig c = d.config();
            if (promptTokens + newTokens > c.contextLength()) {
                throw new UserException("bench generate: --prompt-tokens + --new-tokens must fit the context ("
                        + c.contextLength() + ")");
            }
            out.printf("bench generate: %s d_model %d, %d layers, %d heads (%d kv), vocab %d; %d requests of %d "
                            + "prompt + %d new tokens, %s%n", model == null ? "random GPT-2" : model, c.dModel(),
                    c.nLayer(), c.nHead(), c.nKvHead(), c.vocabSize(), requests, promptTokens, newTokens,
                    temperature == 0 ? "greedy" : "temperature " + temperature + " top-k " + topK);
            SplittableRandom rng = new SplittableRandom(7);
            int[][] prompts = new int[requests][];
            for (int i = 0; i < requests; i++) {
                prompts[i] = rng.ints(promptTokens, 0, c.vocabSize()).toArray();
            }
            double[] bestDecode = new double[batches.length];
            double[] bestPrefill = new double[batches.length];
            int[][] reference = null;
            int differing = 0;
            out.printf("%6s %6s %14s %14s%n", "round", "batch", "prefill tok/s", "decode tok/s");
            for (int round = 0; round < rounds + 1; round++) { // round 0 warms up and is not counted
                for (int b = 0; b < batches.length; b++) {
                    int[][] answers = new int[requests][];
                    BatchGenerator.Stats s = BatchGenerator.generate(d, requests(prompts), batches[b], 128,
                            r -> answers[r.request()] = r.tokens());
                    if (reference == null) {
                        reference = answers;
                    } else {
                        for (int i = 0; i < requests; i++) {
                            differing += Arrays.equals(reference[i], answers[i]) ? 0 : 1;
                        }
                    }
                    if (round > 0) {
                        bestDecode[b] = Math.max(bestDecode[b], s.decodeTokensPerSecond());
                        bestPrefill[b] = Math.max(bestPrefill[b], s.prefillTokensPerSecond());
                        out.printf("%6d %6d %14.1f %14.1f%n", round, batches[b], s.prefillTokensPerSecond(),
                                s.decodeTokensPerSecond());
                        out.flush();
                    }
                }
            }
            StringBuilder summary = new StringBuilder("decode tokens/s (best of " + rounds + "): batch "
                    + batches[0] + " " + String.format("%.1f", bestDecode[0]));
            for (int b = 1; b < batches.length; b++) {
                summary.append(String.format(", batch %d %.1f (%.2fx)", batches[b], bestDecode[b],
                        bestDecode[b] / bestDecode[0]));
            }
            out.println(summary);
            out.printf("prefill tokens/s: batch %d %.1f; answers equal to the first run's: %s%n", batches[0],
                    bestPrefill[0], differing == 0 ? "all" : differing + " answers differ (float rounding of the "
                            + "batched matmuls at a near tie)");
        }
        return 0;
    }

    private List<BatchGenerator.Request> requests(int[][] prompts) {
        List<BatchGenerator.Request> list = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
            list.add(new BatchGenerator.Request(prompts[i], newTokens, new int[0],
                    new Sampler(new Sampler.Settings(temperature, topK, 1.0), new SplittableRandom(i))));
        }
        return list;
    }

    private Decoder open(int rows) throws IOException {
        if (model != null) {
            return DecoderModel.load(model, 1, rows);
        }
        Decoder d = new Decoder(ModelConfig.gpt2(vocab, context, layers, heads, dModel, 0.0), 1,
                Math.min(rows, context), DataType.FLOAT, Kernels.forCurrentBackend(), false);
        d.initWeights(1);
        return d;
    }
}
