package ai.stratum.cli.train;

import ai.stratum.cli.ConfigOptions;
import ai.stratum.config.ConfigLoader;
import ai.stratum.io.RunDirLock;
import ai.stratum.train.Trainer;
import ai.stratum.train.distill.Distill;
import ai.stratum.train.distill.DistillConfig;
import ai.stratum.train.metrics.SgemmProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code stratum distill}: a frozen teacher teaches a student (logit distillation). */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = {"Distill a teacher checkpoint into a student: loss = alpha * CE + (1 - alpha) * T^2 * "
                + "KL(teacher_T || student_T) per trained position (distill.alpha, distill.temperature), the teacher "
                + "frozen and run per micro-batch, or its top-k logits read from distill.teacher_cache.",
                "The student is a checkpoint (--student DIR; full, or LoRA with --lora; default preset "
                        + "distill-finetune) or a fresh model of a preset's architecture (--preset tiny-cpu, "
                        + "llama-tiny-cpu, ...; default distill-pretrain). Data is token shards (a directory) or SFT "
                        + "JSONL (prompt positions are in neither term). Teacher and student must share a tokenizer."})
public final class DistillCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Option(names = "--teacher", paramLabel = "DIR",
            description = "The teacher: a checkpoint directory (Stratum or Hugging Face layout, GPT-2 or Llama family).")
    Path teacher;

    @Option(names = "--student", paramLabel = "DIR",
            description = "The student checkpoint to train; without it, a fresh student of --preset's model section.")
    Path student;

    @Option(names = "--lora", description = "Train LoRA adapters over the frozen student (method: lora).")
    boolean lora;

    @Option(names = "--data", paramLabel = "DIR|TRAIN.jsonl",
            description = "Token shards (a data-pipeline output or llm.c shards) or SFT JSONL.")
    Path data;

    @Option(names = "--val", paramLabel = "VAL.jsonl", description = "SFT examples to evaluate on (SFT data only).")
    Path val;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "For a fresh student on shards: the tokenizer.json the shards were made with (default: "
                    + "the one in --data).")
    Path tokenizer;

    @Option(names = {"--run-dir", "--out"}, paramLabel = "DIR",
            description = "Where config.yaml, distill.json, metrics.jsonl, checkpoints/ and latest go.")
    Path runDir;

    @Option(names = "--resume", description = "Continue from the newest valid checkpoint in --run-dir with the "
            + "run's saved config.yaml, teacher, student and data.")
    boolean resume;

    @Option(names = "--cache-teacher", description = "Only run the teacher over the training data and write its "
            + "top-k logits into distill.teacher_cache (a run with the cache set does this first by itself).")
    boolean cacheTeacher;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (resume && runDir == null) {
            throw new ParameterException(spec.commandLine(), "--resume needs --run-dir DIR");
        }
        Distill.Inputs saved = resume ? Distill.Inputs.read(runDir) : null;
        if (saved != null) {
            teacher = teacher != null ? teacher : saved.teacher();
            student = student != null ? student : saved.student();
            data = data != null ? data : saved.data();
            val = val != null ? val : saved.val();
            tokenizer = tokenizer != null ? tokenizer : saved.tokenizer();
        }
        List<String> extra = lora ? List.of("method=lora") : List.of();
        ConfigLoader.Resolved<DistillConfig> resolved = resume
                ? config.resolveSaved(DistillConfig.class, runDir.resolve(PretrainCommand.RUN_CONFIG), extra)
                : config.resolveLayers(DistillConfig.class, presets(), extra);
        if (config.dryRun()) {
            out.print(resolved.toYaml());
            out.flush();
            return 0;
        }
        if (teacher == null || data == null || runDir == null) {
            throw new ParameterException(spec.commandLine(), "distill needs --teacher DIR, --data DIR|TRAIN.jsonl, "
                    + "--run-dir DIR and --student DIR or a --preset with a model section");
        }
        teacher = Models.resolve(teacher);
        student = Models.resolve(student);
        try (RunDirLock lock = RunDirLock.acquire(runDir)) {
            if (resume) {
                err.println("resuming with the run's saved " + runDir.resolve(PretrainCommand.RUN_CONFIG)
                        + ", teacher " + teacher + (student == null ? "" : ", student " + student) + " and data " + data);
            }
            java.nio.file.Files.createDirectories(runDir);
            resolved.writeTo(runDir.resolve(PretrainCommand.RUN_CONFIG));
            double peakGflops = cacheTeacher ? 0 : SgemmProbe.measure().peakGflops();
            Distill.Request request = new Distill.Request(resolved.value(), teacher, student, data, val, tokenizer,
                    runDir, resume, peakGflops * 1e9);
            if (cacheTeacher) {
                long written = Distill.cacheTeacher(request, line -> {
                    err.println(line);
                    err.flush();
                });
                out.printf("teacher cache %s: %d blocks written%n", resolved.value().distill().teacherCache(), written);
                out.flush();
                return 0;
            }
            err.printf("sgemm peak %.0f GFLOP/s (MFU is measured against it)%n", peakGflops);
            Trainer.Result result = Distill.run(request, line -> {
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

    /**
     * The preset layers: a distillation preset as given; a model or fine-tuning preset (no {@code distill} section)
     * over the default for the kind of student, which supplies the distillation keys.
     */
    private List<String> presets() {
        String base = student != null ? "distill-finetune" : "distill-pretrain";
        String p = config.preset();
        if (p == null) {
            return List.of(base);
        }
        List<String> out = new ArrayList<>();
        if (!ConfigLoader.presetHas(p, "distill")) {
            out.add(base);
        }
        out.add(p);
        return out;
    }
}
