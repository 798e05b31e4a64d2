package ai.stratum.train;

import ai.stratum.train.checkpoint.CheckpointConfig;
import ai.stratum.train.optim.OptimConfig;
import ai.stratum.model.ModelConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainConfigTest {

    static TrainConfig tiny(long maxSteps) {
        return new TrainConfig(ModelConfig.gpt2(32, 16, 1, 2, 8, 0.0),
                new OptimConfig(1e-2, 1e-3, 2, 0.1, 0.9, 0.95, 1e-8, 1.0),
                new TrainingConfig(maxSteps, 0, 2, 8, 32, 42, "float32"),
                new EvalConfig(5, 2), new CheckpointConfig(5, 2), new LogConfig(1));
    }

    @Test
    void derivesAccumulationAndLengthFromTokens() {
        TrainingConfig t = new TrainingConfig(0, 1000, 2, 8, 64, 1, "float32");
        assertEquals(4, t.accumulationSteps());
        assertEquals(16, t.totalSteps());
        assertEquals(7, tiny(7).train().totalSteps());
    }

    private static String key(IllegalArgumentException e) {
        return e.getMessage().substring(0, e.getMessage().indexOf(':'));
    }

    @Test
    void rejectsBadValuesNamingTheSnakeCaseKey() {
        assertEquals("batch_size_tokens", key(assertThrows(IllegalArgumentException.class,
                () -> new TrainingConfig(10, 0, 2, 8, 24, 1, "float32"))));
        assertEquals("max_steps", key(assertThrows(IllegalArgumentException.class,
                () -> new TrainingConfig(10, 100, 2, 8, 16, 1, "float32"))));
        assertEquals("dtype", key(assertThrows(IllegalArgumentException.class,
                () -> new TrainingConfig(10, 0, 2, 8, 16, 1, "fp8"))));
        assertEquals("min_lr", key(assertThrows(IllegalArgumentException.class,
                () -> new OptimConfig(1e-3, 1e-2, 0, 0, 0.9, 0.95, 1e-8, 0))));
        assertEquals("beta2", key(assertThrows(IllegalArgumentException.class,
                () -> new OptimConfig(1e-3, 0, 0, 0, 0.9, 1.0, 1e-8, 0))));
        assertEquals("keep_last", key(assertThrows(IllegalArgumentException.class, () -> new CheckpointConfig(1, 0))));
        assertEquals("every", key(assertThrows(IllegalArgumentException.class, () -> new LogConfig(0))));
        assertEquals("steps", key(assertThrows(IllegalArgumentException.class, () -> new EvalConfig(0, 0))));
    }

    @Test
    void rejectsSequencesLongerThanTheContext() {
        TrainConfig ok = tiny(10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TrainConfig(ok.model(),
                ok.optim(), new TrainingConfig(10, 0, 1, 32, 32, 1, "float32"), ok.eval(), ok.checkpoint(), ok.log()));
        assertEquals("train", key(e));
        assertTrue(e.getMessage().contains("context_length 16"), e.getMessage());
    }
}
