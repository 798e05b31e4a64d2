package ai.stratum.train;

import ai.stratum.hf.BaseModel;
import ai.stratum.hf.Family;
import ai.stratum.hf.HfCheckpoint;
import ai.stratum.hf.HfConfig;
import ai.stratum.hf.RandomCheckpoint;
import ai.stratum.hf.Safetensors;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.lora.LoraConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model keeps the Hugging Face family it was imported as: a Mistral without a sliding window (which a llama
 * config could also hold) is written back as mistral by a full fine-tune's checkpoints and by a merge; a model
 * with no recorded family (a preset) gets the inferred one.
 */
class BaseFamilyTest {

    private static final ModelConfig CONFIG = ModelConfig.llama(300, 16, 2, 4, 2, 16, 24, 1e-5, 10000.0, true);

    @TempDir
    Path dir;

    private Path mistralBase() throws IOException {
        Path base = dir.resolve("base");
        RandomCheckpoint.write(new RandomCheckpoint.Spec(CONFIG, Family.MISTRAL, Safetensors.Dtype.F32,
                HfCheckpoint.DEFAULT_SHARD_BYTES, 3, null), base, false);
        return base;
    }

    @Test
    void aFullFineTunesCheckpointsKeepTheBaseFamily() throws IOException {
        Path base = mistralBase();
        BaseModel opened = BaseModel.open(base, List.of());
        assertEquals(Family.MISTRAL, opened.family());
        // what Finetune's full method builds: DecoderModel.factory(base.family())
        try (LanguageModel kept = DecoderModel.factory(opened.family()).create(opened.config(), 1, 4, DataType.FLOAT);
             LanguageModel inferred = DecoderModel.factory().create(opened.config(), 1, 4, DataType.FLOAT)) {
            opened.loadInto(kept.layout(), kept.params());
            kept.saveWeights(dir.resolve("kept"), 256);
            inferred.params().assign(kept.params());
            inferred.saveWeights(dir.resolve("inferred"), 256);
        }
        assertEquals(Family.MISTRAL, HfConfig.parse(dir.resolve("kept")).family());
        assertEquals(Family.LLAMA, HfConfig.parse(dir.resolve("inferred")).family(), "a preset's model: inferred");
        assertEquals(CONFIG, HfConfig.read(dir.resolve("kept")));
    }

    @Test
    void aMergeKeepsTheBaseFamily() throws IOException {
        Path base = mistralBase();
        Path adapter = dir.resolve("adapter");
        try (LoraModel lora = new LoraModel(DecoderModel.load(base, 1, 4, false),
                new LoraConfig(2, 4, 0, List.of("q_proj", "down_proj")), 4, base.toString())) {
            lora.initWeights(5);
            lora.params().addi(0.25); // B != 0: the merge changes the weights
            lora.saveWeights(adapter, 256);
        }
        Path merged = dir.resolve("merged");
        LoraModel.merge(base, adapter, merged);
        assertEquals(Family.MISTRAL, HfConfig.parse(merged).family());
        try (var b = DecoderModel.load(base, 1, 4); var m = DecoderModel.load(merged, 1, 4)) {
            assertTrue(b.params().sub(m.params()).amaxNumber().doubleValue() > 1e-3, "the adapter was merged");
            assertArrayEquals(b.param("tok_embeddings.weight").dup().reshape(-1).toFloatVector(),
                    m.param("tok_embeddings.weight").dup().reshape(-1).toFloatVector(), "weights without an adapter are the base's");
        }
    }
}
