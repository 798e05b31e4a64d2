package ai.stratum.cli.train;

import ai.stratum.cli.ConfigOptions;
import ai.stratum.config.ConfigLoader;
import ai.stratum.hf.TokenizerFiles;
import ai.stratum.tokenizer.Tokenizer;
import ai.stratum.train.DecoderModel;
import ai.stratum.train.metrics.SgemmProbe;
import ai.stratum.train.data.ShardSet;
import ai.stratum.train.TrainConfig;
import ai.stratum.train.checkpoint.RunInputs;
import ai.stratum.train.Trainer;
import ai.stratum.io.RunDirLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code stratum pretrain}: train a GPT from scratch on token shards into a run directory. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pretrain a GPT-2-architecture model from scratch on token shards (default preset: tiny-cpu).")
public final class PretrainCommand implements Callable<Integer> {

    static final String RUN_CONFIG = "config.yaml";

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Token shards: a data-pipeline output (manifest.json) or llm.c *_train_*.bin / *_val_*.bin.")
    Path data;

    @Option(names = "--run-dir", paramLabel = "DIR",
            description = "Where config.yaml, metrics.jsonl, checkpoints/ and latest go, e.g. runs/NAME.")
    Path runDir;

    @Option(names = "--resume", description = "Continue from the newest valid checkpoint in --run-dir with the "
            + "run's saved config.yaml and data (inputs.json); --config, --set, --data and --tokenizer change only "
            + "what they name.")
    boolean resume;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "tokenizer.json to copy into checkpoints (default: tokenizer.json of --data; byte-level "
                    + "data gets a byte-level one; required otherwise).")
    Path tokenizer;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (resume && runDir == null) {
            throw new ParameterException(spec.commandLine(), "--resume needs --run-dir DIR");
        }
        ConfigLoader.Resolved<TrainConfig> resolved = resume
                ? config.resolveSaved(TrainConfig.class, runDir.resolve(RUN_CONFIG))
                : config.resolve(TrainConfig.class, "tiny-cpu");
        if (config.dryRun()) {
            out.print(resolved.toYaml());
            out.flush();
            return 0;
        }
        if (runDir == null || (data == null && !resume)) {
            throw new ParameterException(spec.commandLine(), "pretrain needs --data DIR and --run-dir DIR");
        }
        try (RunDirLock lock = RunDirLock.acquire(runDir)) {
            if (resume && (data == null || Files.isRegularFile(runDir.resolve(Inputs.FILE)))) {
                // a resume keeps what the run started on unless --data/--tokenizer name something else
                Inputs saved = Inputs.read(runDir);
                data = data != null ? data : saved.data();
                tokenizer = tokenizer != null ? tokenizer : saved.tokenizer();
            }
            return train(resolved, out, err);
        }
    }

    /**
     * What a pretraining run was started on, saved as {@code inputs.json} in its directory (absolute paths) so that
     * {@code --resume} needs only {@code --run-dir}.
     *
     * @param data      the token shards
     * @param tokenizer the --tokenizer given, or null (then it came from the data)
     */
    record Inputs(Path data, Path tokenizer) {
        static final String FILE = "inputs.json";

        static Inputs read(Path runDir) throws IOException {
            var n = RunInputs.read(runDir, FILE, "data is", "pass --data", "data");
            return new Inputs(RunInputs.path(n, "data"), RunInputs.path(n, "tokenizer"));
        }

        void write(Path runDir) throws IOException {
            var values = new java.util.LinkedHashMap<String, Path>();
            values.put("data", data);
            values.put("tokenizer", tokenizer);
            RunInputs.write(runDir, FILE, values);
        }
    }

    private int train(ConfigLoader.Resolved<TrainConfig> resolved, PrintWriter out, PrintWriter err)
            throws IOException {
        TrainConfig cfg = resolved.value();
        ShardSet shards = ShardSet.open(data);
        if (shards.vocabSize() > cfg.model().vocabSize()) {
            throw new IllegalArgumentException("model.vocab_size: " + cfg.model().vocabSize() + " is smaller than the "
                    + "data's vocabulary of " + shards.vocabSize() + " (manifest.json); --set model.vocab_size="
                    + shards.vocabSize());
        }
        // every checkpoint carries the tokenizer; decided (or refused) before the first step
        Path tokenizerFile = TokenizerFiles.forPretraining(data, tokenizer, runDir);
        int eos = shards.eotId() >= 0 ? shards.eotId() : cfg.model().vocabSize() - 1;
        Tokenizer tok = Tokenizer.load(tokenizerFile);
        if (tok.vocabSize() > cfg.model().vocabSize()) {
            throw new IllegalArgumentException("model.vocab_size: " + cfg.model().vocabSize() + " is smaller than "
                    + tokenizerFile + "'s " + tok.vocabSize() + " tokens; --set model.vocab_size=" + tok.vocabSize());
        }
        eos = tok.specialTokens().getOrDefault(Tokenizer.END_OF_TEXT, eos);
        Files.createDirectories(runDir);
        Path saved = runDir.resolve(RUN_CONFIG);
        if (resume) {
            err.println("resuming with the run's saved " + saved + (resolved.origins().values().stream()
                    .anyMatch(o -> !o.startsWith("the run's saved ")) ? " and the keys --config/--set change" : ""));
        }
        resolved.writeTo(saved);
        if (!resume || !Files.isRegularFile(runDir.resolve(Inputs.FILE))) {
            new Inputs(data, tokenizer).write(runDir);
        }

        double peakGflops = SgemmProbe.measure().peakGflops();
        err.printf("sgemm peak %.0f GFLOP/s (MFU is measured against it)%n", peakGflops);
        Trainer.Run run = Trainer.Run.pretrain(cfg, shards, runDir, resume).withTokenizer(tokenizerFile, eos)
                .withPeakFlops(peakGflops * 1e9);
        Trainer.Result result = new Trainer(run, DecoderModel.factory(), line -> {
            err.println(line);
            err.flush();
        }, step -> { }).run();
        out.printf("steps %d | loss %.4f", result.steps(), result.loss());
        if (result.val() != null) {
            out.printf(" | val loss %.4f | val ppl %.2f", result.val().loss(), result.val().perplexity());
        }
        out.printf(" | checkpoint %s%n", result.lastCheckpoint());
        out.flush();
        return 0;
    }
}
