package ai.stratum.train.checkpoint;

import ai.stratum.train.TrainConfig;
import ai.stratum.train.data.DataPosition;
import java.util.List;

/**
 * A checkpoint's {@code trainer_state.json}: everything besides weights and moments that exact resume needs.
 * Every random choice of a run (data order, dropout masks) is a pure function of {@code seed} and the run's
 * position, so the seed and {@link DataPosition} are the complete random state.
 *
 * @param step         optimizer steps completed
 * @param tokensSeen   training tokens consumed
 * @param dataPosition the next training window
 * @param data         {@link TrainingData#identity()} of the training data: a resumed run must read the same
 * @param seed         the run seed ({@code train.seed})
 * @param adamSteps    AdamW's step count (its bias correction)
 * @param loss         the training loss of the last step
 * @param config       the resolved run config
 */
public record TrainerState(long step, long tokensSeen, DataPosition dataPosition, List<String> data, long seed,
                           long adamSteps, double loss, TrainConfig config) {
    public TrainerState {
        if (step < 0 || tokensSeen < 0 || adamSteps < 0) {
            throw new IllegalArgumentException("step: step, tokens_seen and adam_steps must be >= 0");
        }
        if (dataPosition == null || data == null || config == null) {
            throw new IllegalArgumentException("data_position: trainer state needs data_position, data and config");
        }
        data = List.copyOf(data);
    }
}
