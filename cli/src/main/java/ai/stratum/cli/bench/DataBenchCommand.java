package ai.stratum.cli.bench;

import ai.stratum.cli.UserException;
import ai.stratum.config.ConfigLoader;
import ai.stratum.data.Document;
import ai.stratum.data.Reject;
import ai.stratum.data.StepStats;
import ai.stratum.data.CpuClock;
import ai.stratum.data.read.DocumentSink;
import ai.stratum.data.read.HtmlExtractStep;
import ai.stratum.data.read.HtmlTextExtractor;
import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.recipe.InputConfig;
import ai.stratum.data.run.DataPipeline;
import ai.stratum.data.run.Steps;
import ai.stratum.data.shard.Encoders;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code stratum bench data}: end-to-end MB/s of the default recipe on the corpus of
 * {@code scripts/fetch-web-corpus.sh}, against a reference measured in the same run: reading alone
 * (decompression, WARC and JSON parsing, no steps). Per step: MB in and MB per CPU-second of its threads. Because the
 * machine may be shared, it also reports MB per CPU-second of this process. The goal is judged on the first
 * (cold) run; {@code --warm-runs} adds runs in the same, JIT-compiled JVM, reported beside it, and
 * {@code --extractors} compares the two HTML extractors page by page.
 */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Data pipeline MB/s end to end and per step, vs reading alone, on real web data.")
public final class DataBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--input", paramLabel = "DIR", defaultValue = "bench-data/web",
            description = "Output of scripts/fetch-web-corpus.sh: web.warc.gz and/or udhr.jsonl.gz "
                    + "(default: ${DEFAULT-VALUE}).")
    Path input;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Worker threads (default: 0 = all cores).")
    int threads;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a key of the data/default recipe, e.g. --set filters.language.languages=[en,de].")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR",
            description = "Keep the run here (default: a temporary directory, deleted afterwards).")
    Path out;

    @Option(names = "--target-mb-s", defaultValue = "35", paramLabel = "MB/S",
            description = "The end-to-end goal to compare with (default: ${DEFAULT-VALUE}, the goal for the "
                    + "large bench corpus on 2 cores with the classifier step on).")
    double target;

    @Option(names = "--warm-runs", defaultValue = "0", paramLabel = "N",
            description = "After the cold run, run the recipe N more times over the whole corpus in the same process "
                    + "(JIT-compiled by then) and report each; the goal is still judged on the cold run "
                    + "(default: ${DEFAULT-VALUE}).")
    int warmRuns;

    @Option(names = "--executor", paramLabel = "NAME", defaultValue = "local",
            description = {"local (default), or spark: then, after the cold local run, Spark runs alternate with "
                    + "local runs (1 pair, or --warm-runs pairs) in this process and the overhead is reported as the "
                    + "ratio of their wall times.", "Spark needs the data-spark module on the class path (the "
                    + "launcher adds it when this option says spark)."})
    String executor;

    @Option(names = "--master", paramLabel = "URL", defaultValue = "local[2]",
            description = "Spark master for --executor spark (default: ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--executor-option", paramLabel = "KEY=VALUE",
            description = "A Spark property for --executor spark, e.g. spark.task.cpus=2 (repeatable).")
    List<String> executorOptions = new ArrayList<>();

    @Option(names = "--extractors",
            description = "Also compare the streaming and jsoup HTML extractors on every HTML page: pages with "
                    + "identical text, differing pages, and the CPU time of each.")
    boolean extractors;

    @Option(names = "--language-detectors",
            description = "Also run the language step's two detectors (Optimaize's library and Stratum's "
                    + "NgramDetector, which computes the same) on every window the step samples from the extracted "
                    + "pages: windows with identical results, and the CPU time of each.")
    boolean languageDetectors;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        List<InputConfig> inputs = new ArrayList<>();
        if (Files.exists(input.resolve("web.warc.gz"))) {
            inputs.add(new InputConfig("web", "warc", List.of(input.resolve("web.warc.gz").toString()), "text", "id"));
        }
        if (Files.exists(input.resolve("udhr.jsonl.gz"))) {
            inputs.add(new InputConfig("udhr", "jsonl", List.of(input.resolve("udhr.jsonl.gz").toString()), "text",
                    "id"));
        }
        if (inputs.isEmpty()) {
            throw new UserException(input + " holds neither web.warc.gz nor udhr.jsonl.gz; run "
                    + "scripts/fetch-web-corpus.sh --out " + input + " first");
        }
        ai.stratum.data.run.Executor spark = null;
        if (executor.equals("spark")) {
            spark = sparkExecutor();
        } else if (!executor.equals("local")) {
            throw new UserException("--executor: 'local' or 'spark', got '" + executor + "'");
        }
        List<String> sets = new ArrayList<>(overrides);
        sets.add("threads=" + threads);
        DataRecipe base = ConfigLoader.load(DataRecipe.class, "data/default", null, withInputs(sets, inputs)).value();

        long rawBytes = 0;
        for (InputConfig in : inputs) {
            rawBytes += Files.size(Path.of(in.paths().get(0)));
        }
        o.printf(Locale.ROOT, "input: %s (%.1f MB compressed), %d worker threads, %d processors%n", input,
                rawBytes / 1e6, base.threads() == 0 ? Runtime.getRuntime().availableProcessors() : base.threads(),
                Runtime.getRuntime().availableProcessors());

        long cpu0 = cpuNanos();
        long t0 = System.nanoTime();
        long readBytes = readOnly(inputs);
        double readSeconds = (System.nanoTime() - t0) / 1e9;
        double readCpu = (cpuNanos() - cpu0) / 1e9;
        o.printf(Locale.ROOT, "reference, reading alone: %.1f MB in %.2f s = %.1f MB/s (%.1f MB per CPU-second)%n",
                readBytes / 1e6, readSeconds, readBytes / 1e6 / readSeconds, readBytes / 1e6 / readCpu);

        Path dir = out != null ? out : Files.createTempDirectory("stratum-bench-data");
        try {
            cpu0 = cpuNanos();
            t0 = System.nanoTime();
            DataPipeline.Result r = new DataPipeline(base, Encoders.of(base.tokenizer()), null, null).run(dir);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpu = (cpuNanos() - cpu0) / 1e9;
            double mbs = readBytes / 1e6 / seconds;
            o.printf(Locale.ROOT, "end to end, default recipe, cold (first run in this JVM): %.1f MB in %.2f s = "
                            + "%.1f MB/s (%.1f MB per CPU-second); %.2fx the reading-alone rate%n", readBytes / 1e6,
                    seconds, mbs, readBytes / 1e6 / cpu, mbs / (readBytes / 1e6 / readSeconds));
            o.printf(Locale.ROOT, "kept %d of %d records, %d train + %d val tokens%n", r.outputDocuments(),
                    r.inputRecords(), r.trainTokens(), r.valTokens());
            printSteps(o, dir);
            double bestWarm = 0;
            if (spark != null) {
                compareSpark(o, base, readBytes, Math.max(1, warmRuns), spark);
            }
            for (int i = 1; i <= warmRuns && executor.equals("local"); i++) {
                Path warmDir = Files.createTempDirectory("stratum-bench-data-warm");
                try {
                    long c0 = cpuNanos();
                    long w0 = System.nanoTime();
                    new DataPipeline(base, Encoders.of(base.tokenizer()), null, null).run(warmDir);
                    double ws = (System.nanoTime() - w0) / 1e9;
                    double wcpu = (cpuNanos() - c0) / 1e9;
                    bestWarm = Math.max(bestWarm, readBytes / 1e6 / ws);
                    o.printf(Locale.ROOT, "end to end, warm run %d (same JVM, after the runs above): %.1f MB in "
                                    + "%.2f s = %.1f MB/s (%.1f MB per CPU-second)%n", i, readBytes / 1e6, ws,
                            readBytes / 1e6 / ws, readBytes / 1e6 / wcpu);
                } finally {
                    deleteTree(warmDir);
                }
            }
            if (extractors) {
                compareExtractors(o, inputs);
            }
            if (languageDetectors) {
                compareLanguageDetectors(o, inputs, base);
            }
            o.printf(Locale.ROOT, "goal %.0f MB/s end to end, judged on the cold run: %s (%.1f MB/s measured; %.1f "
                            + "MB/s if every processor were this run's alone, from MB per CPU-second%s)%n", target,
                    mbs >= target ? "met" : "NOT met", mbs,
                    readBytes / 1e6 / cpu * Runtime.getRuntime().availableProcessors(),
                    warmRuns > 0 ? String.format(Locale.ROOT, "; best warm run %.1f MB/s", bestWarm) : "");
        } finally {
            if (out == null) {
                deleteTree(dir);
            }
        }
        o.flush();
        return 0;
    }

    /**
     * Spark (in this process, {@code --master}) and local runs of the same recipe, alternating, each into a fresh
     * directory; prints each and the ratio of the summed wall times (Spark's include starting and stopping its
     * context, as a {@code data prepare --executor spark} run does), and checks that the outputs are equal.
     */
    private void compareSpark(PrintWriter o, DataRecipe recipe, long readBytes, int pairs,
                              ai.stratum.data.run.Executor spark) throws IOException {
        double sparkSeconds = 0;
        double localSeconds = 0;
        boolean same = true;
        for (int i = 1; i <= pairs; i++) {
            Object sparkShards = null;
            for (String name : List.of("spark", "local")) {
                Path runDir = Files.createTempDirectory("stratum-bench-data-" + name);
                try {
                    long w0 = System.nanoTime();
                    long c0 = cpuNanos();
                    DataPipeline.Result r = new DataPipeline(recipe, Encoders.of(recipe.tokenizer()), null, null,
                            name.equals("spark") ? spark : new ai.stratum.data.run.LocalExecutor()).run(runDir);
                    double ws = (System.nanoTime() - w0) / 1e9;
                    double wcpu = (cpuNanos() - c0) / 1e9;
                    if (name.equals("spark")) {
                        sparkSeconds += ws;
                        sparkShards = r.shards();
                    } else {
                        localSeconds += ws;
                        same &= r.shards().equals(sparkShards);
                    }
                    o.printf(Locale.ROOT, "end to end, %s executor%s, run %d: %.1f MB in %.2f s = %.1f MB/s (%.1f MB "
                                    + "per CPU-second); %d train tokens%n", name,
                            name.equals("spark") ? " " + sparkOptions() : "", i, readBytes / 1e6, ws,
                            readBytes / 1e6 / ws, readBytes / 1e6 / wcpu, r.trainTokens());
                } finally {
                    deleteTree(runDir);
                }
            }
        }
        o.printf(Locale.ROOT, "spark vs local, same runs alternating: %.2fx the local wall time (%.1f%% overhead); "
                        + "shards (names, token counts, sha256) %s%n", sparkSeconds / localSeconds,
                100 * (sparkSeconds / localSeconds - 1), same ? "identical" : "DIFFER");
        if (!same) {
            throw new IllegalStateException("the Spark and local executors wrote different shards");
        }
    }

    /** The Spark executor of {@code --master} and {@code --executor-option}s; fails at once when unavailable. */
    private ai.stratum.data.run.Executor sparkExecutor() {
        java.util.Map<String, String> options = sparkOptions();
        return ai.stratum.data.run.Executor.named("spark", options);
    }

    private java.util.Map<String, String> sparkOptions() {
        java.util.Map<String, String> options = new java.util.TreeMap<>();
        options.put("master", master);
        for (String kv : executorOptions) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new UserException("--executor-option: expected KEY=VALUE, got '" + kv + "'");
            }
            options.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return options;
    }

    /** The inputs as {@code --set} overrides, so that they bind through the same loader as a recipe file. */
    private static List<String> withInputs(List<String> sets, List<InputConfig> inputs) throws IOException {
        List<String> all = new ArrayList<>(sets);
        all.add("inputs=" + new ObjectMapper().writeValueAsString(inputs.stream().map(i -> java.util.Map.of(
                "name", i.name(), "format", i.format(), "paths", i.paths(), "text_field", i.textField(),
                "id_field", i.idField())).toList()));
        return all;
    }

    /**
     * Runs both HTML extractors over every HTML page of the WARC inputs (on this thread) and prints how many pages
     * come out identical, the first differing pages, and the CPU seconds of each extractor.
     */
    private static void compareExtractors(PrintWriter o, List<InputConfig> inputs) throws IOException {
        List<Document> pages = new ArrayList<>();
        DocumentSink collect = new DocumentSink() {
            @Override
            public void accept(Document doc) {
                if (HtmlExtractStep.HTML.equals(doc.metadata().get(HtmlExtractStep.CONTENT_TYPE))) {
                    pages.add(doc);
                }
            }

            @Override
            public void reject(Reject reject) {
            }
        };
        for (InputConfig in : inputs) {
            if (in.format().equals("warc")) {
                Steps.reader(in).read(Path.of(in.paths().get(0)), in.name(), collect, new StepStats("read"));
            }
        }
        HtmlTextExtractor streaming = HtmlTextExtractor.named("streaming");
        HtmlTextExtractor jsoup = HtmlTextExtractor.named("jsoup");
        long streamingNanos = 0;
        long jsoupNanos = 0;
        int differing = 0;
        List<String> examples = new ArrayList<>();
        for (Document page : pages) {
            long c0 = CpuClock.nanos();
            String a = streaming.extract(page.text());
            long c1 = CpuClock.nanos();
            String b = jsoup.extract(page.text());
            long c2 = CpuClock.nanos();
            streamingNanos += c1 - c0;
            jsoupNanos += c2 - c1;
            if (!a.equals(b)) {
                differing++;
                if (examples.size() < 5) {
                    examples.add(page.metadata().getOrDefault("url", page.id()));
                }
            }
        }
        o.printf(Locale.ROOT, "extractors on %d HTML pages: %d identical, %d differing%s; CPU s streaming %.2f, "
                        + "jsoup %.2f (%.1fx)%n", pages.size(), pages.size() - differing, differing,
                examples.isEmpty() ? "" : " (e.g. " + String.join(", ", examples) + ")", streamingNanos / 1e9,
                jsoupNanos / 1e9, (double) jsoupNanos / Math.max(1, streamingNanos));
    }

    /**
     * The language step's windows of every document (HTML pages extracted by the streaming extractor) detected by
     * both detectors, on this thread; prints how many results are identical and the CPU seconds of each.
     */
    private static void compareLanguageDetectors(PrintWriter o, List<InputConfig> inputs, DataRecipe recipe)
            throws IOException {
        List<String> texts = new ArrayList<>();
        HtmlTextExtractor streaming = HtmlTextExtractor.named("streaming");
        DocumentSink collect = new DocumentSink() {
            @Override
            public void accept(Document doc) {
                boolean html = HtmlExtractStep.HTML.equals(doc.metadata().get(HtmlExtractStep.CONTENT_TYPE));
                texts.add(html ? streaming.extract(doc.text()) : doc.text());
            }

            @Override
            public void reject(Reject reject) {
            }
        };
        for (InputConfig in : inputs) {
            Steps.reader(in).read(Path.of(in.paths().get(0)), in.name(), collect, new StepStats("read"));
        }
        ai.stratum.data.step.LanguageFilter.DetectorComparison c = ai.stratum.data.step.LanguageFilter
                .compareDetectors(texts, recipe.filters().language(), recipe.seed());
        o.printf(Locale.ROOT, "language detectors on %d windows of %d documents: %d identical, %d differing; CPU s "
                        + "library %.2f, NgramDetector %.2f (%.2fx faster)%n", c.windows(), texts.size(), c.identical(),
                c.windows() - c.identical(), c.libraryNanos() / 1e9, c.ngramNanos() / 1e9,
                (double) c.libraryNanos() / Math.max(1, c.ngramNanos()));
    }

    /** Reads every input record once without any step; returns the raw bytes the readers counted. */
    private static long readOnly(List<InputConfig> inputs) throws IOException {
        long bytes = 0;
        DocumentSink discard = new DocumentSink() {
            @Override
            public void accept(Document doc) {
            }

            @Override
            public void reject(Reject reject) {
            }
        };
        for (InputConfig in : inputs) {
            StepStats stats = new StepStats("read");
            Steps.reader(in).read(Path.of(in.paths().get(0)), in.name(), discard, stats);
            bytes += stats.bytesIn();
        }
        return bytes;
    }

    private static void printSteps(PrintWriter o, Path dir) throws IOException {
        JsonNode root = new ObjectMapper().readTree(dir.resolve("stats.json").toFile());
        double total = 0;
        for (JsonNode s : root.get("steps")) {
            total += s.get("seconds").asDouble();
        }
        o.printf(Locale.ROOT, "%-18s %10s %12s %14s %8s%n", "step", "MB in", "cpu-s", "MB/cpu-s", "share");
        for (JsonNode s : root.get("steps")) {
            double mb = s.get("bytes_in").asLong() / 1e6;
            double sec = s.get("seconds").asDouble();
            if (sec <= 0) {
                continue;
            }
            o.printf(Locale.ROOT, "%-18s %10.1f %12.2f %14.1f %7.1f%%%n", s.get("name").asText(), mb, sec, mb / sec,
                    100 * sec / total);
        }
        JsonNode phases = root.get("this_run_seconds");
        StringBuilder sb = new StringBuilder("phases (wall s):");
        phases.fields().forEachRemaining(e -> sb.append(String.format(Locale.ROOT, " %s %.2f", e.getKey(),
                e.getValue().asDouble())));
        o.println(sb);
    }

    private static long cpuNanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return 0;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
