package ai.stratum.cli.bench;

import ai.stratum.cli.ConfigOptions;
import ai.stratum.config.ConfigLoader;
import ai.stratum.model.ModelConfig;
import ai.stratum.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code stratum bench train}: training step time, tokens/s and MFU against the sgemm peak of the same run. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Time training steps of any architecture (forward, backward, AdamW) on random tokens of a preset's model "
                + "and batch; report tokens/s, GFLOP/s, MFU against the sgemm peak measured in the same run, "
                + "memory, and time by layer kind.")
public final class TrainBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Option(names = "--steps", defaultValue = "10", description = "Timed steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed warm-up steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--kernels", defaultValue = "AUTO",
            description = "Element-wise kernels: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    TrainBench.KernelChoice kernels;

    @Option(names = "--lora-rank", defaultValue = "0", description = "0 trains every weight; r > 0 trains rank-r "
            + "LoRA adapters on every linear projection of a frozen base, as LoRA fine-tuning (default: "
            + "${DEFAULT-VALUE}).")
    int loraRank;

    @Option(names = "--distill-teacher", paramLabel = "PRESET", description = "Time a distillation step against a "
            + "plain step of the same student, alternating: the teacher is the model of this preset (random weights, "
            + "the student's vocabulary), run live.")
    String distillTeacher;

    @Option(names = "--distill-top-k", defaultValue = "0", description = "With --distill-teacher: 0 for the dense "
            + "teacher, k for its top-k logits (default: ${DEFAULT-VALUE}).")
    int distillTopK;

    @Override
    public Integer call() {
        ConfigLoader.Resolved<TrainConfig> resolved = config.resolve(TrainConfig.class, "tiny-cpu");
        PrintWriter out = spec.commandLine().getOut();
        if (config.dryRun()) {
            out.print(resolved.toYaml());
            return 0;
        }
        if (distillTeacher != null) {
            TrainConfig student = resolved.value();
            ModelConfig teacher = ConfigLoader.load(TrainConfig.class, distillTeacher, null,
                    java.util.List.of("model.vocab_size=" + student.model().vocabSize())).value().model();
            DistillBench.run(student, teacher, distillTopK, warmup, steps, spec.commandLine().getErr(), out);
            return 0;
        }
        TrainBench.Result r = TrainBench.run(resolved.value(), new TrainBench.Options(warmup, steps, kernels, loraRank),
                spec.commandLine().getErr());
        TrainBench.print(r, out);
        return 0;
    }
}
