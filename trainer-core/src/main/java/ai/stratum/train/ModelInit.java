package ai.stratum.train;

import ai.stratum.train.checkpoint.Checkpoints;
import java.io.IOException;
import java.nio.file.Path;

/**
 * How a fresh run's weights start: from the seed (pretraining) or from a base checkpoint (fine-tuning).
 * A resumed run ignores it and loads its own checkpoint.
 */
@FunctionalInterface
public interface ModelInit {

    void initialize(LanguageModel model, long seed) throws IOException;

    /** Random initialization from the run seed. */
    static ModelInit fromSeed() {
        return (model, seed) -> model.initWeights(seed);
    }

    /** The weights of a base checkpoint (ours or a Hugging Face GPT-2 directory): the start of fine-tuning. */
    static ModelInit fromCheckpoint(Path checkpoint) {
        return (model, seed) -> Checkpoints.loadParams(checkpoint, model.layout(), model.params());
    }
}
