package ai.stratum.cli.train;

import ai.stratum.cli.ConfigOptions;
import ai.stratum.io.RunDirLock;
import ai.stratum.config.ConfigLoader;
import ai.stratum.train.Finetune;
import ai.stratum.train.FinetuneConfig;
import ai.stratum.train.metrics.SgemmProbe;
import ai.stratum.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code stratum finetune}: supervised fine-tuning of a base model on SFT JSONL, full or LoRA. */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {"Fine-tune a base model (a Stratum checkpoint or a Hugging Face GPT-2 directory) on SFT JSONL "
                + "({\"prompt\", \"response\"} or {\"messages\": [{\"role\", \"content\"}]} per line); default "
                + "preset: finetune-lora.",
                "method lora trains adapters over the frozen base and saves PEFT adapter checkpoints; it needs the "
                        + "chat template's special tokens to have ids in the base (a tokenizer trained with them, or "
                        + "a vocab_size with room). method full trains every weight and grows the embedding for new "
                        + "tokens."})
public final class FinetuneCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Option(names = "--base", paramLabel = "DIR",
            description = "The base model: a checkpoint directory (runs/NAME/latest) or a Hugging Face GPT-2 directory.")
    Path base;

    @Option(names = "--data", paramLabel = "TRAIN.jsonl", description = "SFT examples to train on.")
    Path data;

    @Option(names = "--val", paramLabel = "VAL.jsonl", description = "SFT examples to evaluate on (masked loss).")
    Path val;

    @Option(names = "--run-dir", paramLabel = "DIR",
            description = "Where config.yaml, tokenizer.json, metrics.jsonl, checkpoints/ and latest go.")
    Path runDir;

    @Option(names = "--resume", description = "Continue from the newest valid checkpoint in --run-dir with the "
            + "run's saved config.yaml, base and data; --config, --set, --base, --data and --val change only what they "
            + "name.")
    boolean resume;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (resume && runDir == null) {
            throw new ParameterException(spec.commandLine(), "--resume needs --run-dir DIR");
        }
        ConfigLoader.Resolved<FinetuneConfig> resolved = resume
                ? config.resolveSaved(FinetuneConfig.class, runDir.resolve(PretrainCommand.RUN_CONFIG))
                : config.resolve(FinetuneConfig.class, "finetune-lora");
        if (config.dryRun()) {
            out.print(resolved.toYaml());
            out.flush();
            return 0;
        }
        if (runDir == null) {
            throw new ParameterException(spec.commandLine(), "finetune needs --base DIR, --data TRAIN.jsonl and "
                    + "--run-dir DIR");
        }
        try (RunDirLock lock = RunDirLock.acquire(runDir)) {
            return train(resolved, out, err);
        }
    }

    private int train(ConfigLoader.Resolved<FinetuneConfig> resolved, PrintWriter out, PrintWriter err)
            throws IOException {
        base = Models.resolve(base);
        if (resume) {
            Finetune.Inputs saved = Finetune.Inputs.read(runDir);
            base = base != null ? base : saved.base();
            data = data != null ? data : saved.train();
            val = val != null ? val : saved.val();
            err.println("resuming with the run's saved " + runDir.resolve(PretrainCommand.RUN_CONFIG) + " on base "
                    + base + " and data " + data + (val == null ? "" : " (validation " + val + ")"));
        }
        if (base == null || data == null) {
            throw new ParameterException(spec.commandLine(), "finetune needs --base DIR, --data TRAIN.jsonl and "
                    + "--run-dir DIR");
        }
        resolved.writeTo(runDir.resolve(PretrainCommand.RUN_CONFIG));
        double peakGflops = SgemmProbe.measure().peakGflops();
        err.printf("sgemm peak %.0f GFLOP/s (MFU is measured against it)%n", peakGflops);
        Finetune.Request request = new Finetune.Request(resolved.value(), base, data, val, runDir, resume,
                peakGflops * 1e9);
        Trainer.Result result = Finetune.run(request, line -> {
            err.println(line);
            err.flush();
        }, step -> { });
        out.printf("steps %d | loss %.4f", result.steps(), result.loss());
        if (result.val() != null) {
            out.printf(" | val loss %.4f | val ppl %.2f", result.val().loss(), result.val().perplexity());
        }
        out.printf(" | checkpoint %s%n", result.lastCheckpoint());
        out.flush();
        return 0;
    }
}
