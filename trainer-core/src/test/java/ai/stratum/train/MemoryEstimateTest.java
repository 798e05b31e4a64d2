package ai.stratum.train;

import ai.stratum.fixtures.process.ChildJvm;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryEstimateTest {

    private static final long GIB = 1L << 30;

    /**
     * Measured in a fresh JVM (in this one, native memory that earlier tests freed may be reused, so resident size
     * need not grow): the model's resident growth is the estimate plus its shared scratch buffers (~13% here).
     */
    @Test
    void aFloorOfWhatTheModelReallyAllocates() throws Exception {
        ModelConfig m = ModelConfig.gpt2(4096, 128, 2, 4, 256, 0.0);
        MemoryEstimate e = MemoryEstimate.training(m, 8, 128, 4, true);
        Process p = new ProcessBuilder(ChildJvm.command(Probe.class, "512m")).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0, output);
        String[] lines = output.strip().split("\n");
        long allocated = Long.parseLong(lines[lines.length - 1].strip());
        long modelPart = e.parameters() + e.gradients() + e.activations() + e.logits();
        assertTrue(modelPart <= allocated && allocated <= 1.3 * modelPart,
                "estimate " + modelPart + " bytes, the model allocated " + allocated);
    }

    /** The child JVM: prints the resident growth of creating the model that the test estimates. */
    public static final class Probe {
        public static void main(String[] args) {
            // the first model loads ND4J's native libraries; the second's resident growth is its buffers
            DecoderModel.factory().create(ModelConfig.gpt2(8, 4, 1, 1, 4, 0.0), 1, 4, DataType.FLOAT).close();
            long before = Pointer.physicalBytes();
            try (LanguageModel model = DecoderModel.factory().create(ModelConfig.gpt2(4096, 128, 2, 4, 256, 0.0), 8,
                    128, DataType.FLOAT)) {
                System.out.println(Pointer.physicalBytes() - before);
            }
        }
    }

    @Test
    void everyFamilysShapesCount() {
        // Llama-style: GQA (2 kv heads of 8), SwiGLU (hidden 96 three times)
        ModelConfig m = ModelConfig.llama(1000, 32, 3, 4, 2, 32, 96, 1e-5, 10000, true);
        long n = 2 * 16;
        long perLayer = n * (4 * 32 + (4 + 2 * 2) * 8 + 4 * 8 + 3 * 96) + 2L * 4 * 16 * 16;
        MemoryEstimate e = MemoryEstimate.training(m, 2, 16, 4, true);
        assertEquals(4 * (3 * perLayer + 2 * n * 32), e.activations());
        assertEquals(4 * ParameterLayout.decoder(m).size(), e.parameters());
        assertEquals(2 * e.parameters(), e.optimizer());
        assertEquals(4L * 2 * n * 1000, e.logits());
        MemoryEstimate frozen = MemoryEstimate.training(m, 2, 16, 4, false);
        assertEquals(0, frozen.gradients() + frozen.optimizer());
    }

    @Test
    void whatCannotFitIsRefusedNamingTheKeyOfTheLargestPart() {
        ModelConfig gpt2 = ModelConfig.gpt2(50257, 1024, 12, 12, 768, 0.0);
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class, () -> MemoryEstimate
                .training(gpt2, 64, 1024, 4, true).check(gpt2, 64, 1024, MemoryEstimate.TRAINING_KEYS, 8 * GIB));
        assertTrue(batch.getMessage().startsWith("train.micro_batch_size: the model needs an estimated ")
                && batch.getMessage().contains("activations ") && batch.getMessage().contains("but only 8.00 GiB "
                + "are available") && batch.getMessage().contains("lower train.micro_batch_size (or train.seq_len)"),
                batch.getMessage());
        ModelConfig wide = ModelConfig.gpt2(50_000_000, 16, 1, 1, 64, 0.0);
        IllegalArgumentException vocab = assertThrows(IllegalArgumentException.class, () -> MemoryEstimate
                .inference(wide, 1, 16, 4).check(wide, 1, 16, new MemoryEstimate.Keys("--batch-size", "--seq-len"),
                        8 * GIB));
        assertTrue(vocab.getMessage().startsWith("model.vocab_size: ") && vocab.getMessage().contains("parameters ")
                && !vocab.getMessage().contains("gradients"), vocab.getMessage());
        assertDoesNotThrow(() -> MemoryEstimate.training(gpt2, 4, 1024, 4, true)
                .check(gpt2, 4, 1024, MemoryEstimate.TRAINING_KEYS, 8 * GIB));
    }
}
