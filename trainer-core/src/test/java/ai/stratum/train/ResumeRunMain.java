package ai.stratum.train;

import ai.stratum.train.checkpoint.CheckpointConfig;
import ai.stratum.train.data.ShardSet;
import ai.stratum.train.optim.OptimConfig;
import ai.stratum.model.ModelConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The child process of {@link KilledRunResumeTest}: trains a tiny GPT-2 or Llama (dropout on, gradient accumulation on)
 * for 12 steps into {@code RUN_DIR}. With a stop step, it writes {@code RUN_DIR/stopped} after that step and
 * then waits to be killed.
 *
 * <p>Arguments: {@code DATA_DIR RUN_DIR resume|fresh STOP_STEP gpt2|llama} (STOP_STEP -1 runs to the end).
 */
public final class ResumeRunMain {

    /** A tiny GPT-2, or with {@code llama} a tiny Llama (GQA 4:2, RoPE, SwiGLU, untied head); dropout on in both. */
    static TrainConfig config(boolean llama) {
        ModelConfig model = llama
                ? new ModelConfig(32, 16, 2, 4, 2, 0, 16, 24, ModelConfig.Norm.RMS_NORM, 1e-5,
                        ModelConfig.Positions.ROPE, 10000.0, null, false, false, false, ModelConfig.Mlp.SWIGLU, false,
                        false, false, 0, 0.1)
                : ModelConfig.gpt2(32, 16, 2, 2, 16, 0.1);
        return new TrainConfig(model,
                new OptimConfig(1e-2, 1e-3, 2, 0.1, 0.9, 0.95, 1e-8, 1.0),
                new TrainingConfig(12, 0, 2, 16, 64, 21, "float32"),
                new EvalConfig(4, 2), new CheckpointConfig(4, 3), new LogConfig(1));
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path data = Path.of(args[0]);
        Path runDir = Path.of(args[1]);
        boolean resume = args[2].equals("resume");
        long stopStep = Long.parseLong(args[3]);
        Trainer.Run run = Trainer.Run.pretrain(config(args[4].equals("llama")), ShardSet.open(data), runDir,
                resume);
        new Trainer(run, DecoderModel.factory(), System.err::println, m -> {
            if (m.step() == stopStep) {
                try {
                    Files.writeString(runDir.resolve("stopped"), Long.toString(m.step()));
                    Thread.sleep(Long.MAX_VALUE);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        }).run();
    }
}
