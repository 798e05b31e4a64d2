package ai.stratum.train;

import ai.stratum.train.checkpoint.CheckpointConfig;
import ai.stratum.train.optim.OptimConfig;
import ai.stratum.model.ModelConfig;

/**
 * A training run's whole configuration, as bound from a preset, a YAML file and {@code --set} overrides
 * (snake_case keys: {@code optim.min_lr}, {@code train.batch_size_tokens}, ...), and saved resolved into the run
 * directory and every checkpoint's {@code trainer_state.json}.
 */
public record TrainConfig(ModelConfig model, OptimConfig optim, TrainingConfig train, EvalConfig eval,
                          CheckpointConfig checkpoint, LogConfig log) {

    public TrainConfig {
        requirePresent(model, "model");
        requirePresent(optim, "optim");
        requirePresent(train, "train");
        requirePresent(eval, "eval");
        requirePresent(checkpoint, "checkpoint");
        requirePresent(log, "log");
        if (train.seqLen() > model.contextLength()) {
            throw new IllegalArgumentException("train: seq_len " + train.seqLen() + " exceeds model.context_length "
                    + model.contextLength() + "; lower train.seq_len or raise model.context_length");
        }
        if (optim.warmupSteps() > train.totalSteps()) {
            throw new IllegalArgumentException("optim: warmup_steps " + optim.warmupSteps()
                    + " exceeds the run's " + train.totalSteps() + " steps");
        }
    }

    private static void requirePresent(Object section, String key) {
        if (section == null) {
            throw new IllegalArgumentException(key + ": the section is missing");
        }
    }
}
