package ai.stratum.train.distill;

import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import ai.stratum.train.MemoryEstimate;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pre-training memory check of a live-teacher distillation counts the teacher as well as the student. */
class DistillMemoryTest {

    @Test
    void aLiveTeacherIsCountedWithTheStudentAndTheRefusalSaysHowToFit() {
        // a GPT-2-small-shaped teacher over a 4-layer student of the same vocabulary
        ModelConfig teacher = ModelConfig.gpt2(50257, 1024, 12, 12, 768, 0.0);
        ModelConfig student = ModelConfig.gpt2(50257, 1024, 4, 4, 256, 0.0);
        int batch = 4;
        int seqLen = 512;
        MemoryEstimate s = MemoryEstimate.training(student, batch, seqLen, 4, true);
        MemoryEstimate t = MemoryEstimate.teacher(teacher, batch, seqLen);
        // the teacher: float weights and its forward's activations, no logits and nothing to train
        assertEquals(4 * ParameterLayout.decoder(teacher).size(), t.parameters());
        assertEquals(MemoryEstimate.inference(teacher, batch, seqLen, 4).activations(), t.activations());
        assertEquals(0, t.gradients() + t.optimizer() + t.logits());

        Path dir = Path.of("teachers", "big");
        long both = s.total() + t.total();
        assertDoesNotThrow(() -> Distill.checkMemory(s, teacher, batch, seqLen, dir, both));
        // enough for the student alone (its own check would pass) but not with the teacher
        assertTrue(s.total() < both - 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Distill.checkMemory(s, teacher, batch, seqLen, dir, both - 1));
        assertTrue(e.getMessage().startsWith("train.micro_batch_size: the student's training step needs an "
                + "estimated " + MemoryEstimate.gib(s.total()) + " and the live teacher " + dir + " "
                + MemoryEstimate.gib(t.total())), e.getMessage());
        assertTrue(e.getMessage().contains("for train.micro_batch_size 4 x train.seq_len 512")
                && e.getMessage().contains("distill.teacher_cache=DIR"), e.getMessage());
    }
}
