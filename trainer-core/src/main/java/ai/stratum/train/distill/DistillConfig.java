package ai.stratum.train.distill;

import ai.stratum.model.ModelConfig;
import ai.stratum.model.lora.LoraConfig;
import ai.stratum.train.EvalConfig;
import ai.stratum.train.FinetuneConfig;
import ai.stratum.train.LogConfig;
import ai.stratum.train.TrainConfig;
import ai.stratum.train.TrainingConfig;
import ai.stratum.train.checkpoint.CheckpointConfig;
import ai.stratum.train.optim.OptimConfig;
import ai.stratum.train.sft.SftConfig;

import java.util.List;

/**
 * A distillation run's configuration: the {@code distill} section, the student's method ({@code full} or
 * {@code lora} over a student checkpoint), how SFT data is encoded, the student's architecture when it starts from
 * scratch, and the trainer's optim/train/eval/checkpoint/log sections.
 *
 * @param model null for a student checkpoint (its {@code config.json} is the architecture); the architecture of a
 *              fresh student (a preset's {@code model} section) otherwise
 */
public record DistillConfig(DistillSettings distill, String method, LoraConfig lora, SftConfig sft, ModelConfig model,
                            OptimConfig optim, TrainingConfig train, EvalConfig eval, CheckpointConfig checkpoint,
                            LogConfig log) {

    public DistillConfig {
        if (!List.of(FinetuneConfig.FULL, FinetuneConfig.LORA).contains(method)) {
            throw new IllegalArgumentException("method: must be full or lora, got " + method);
        }
        for (var section : List.of(new Object[] {distill, "distill"}, new Object[] {lora, "lora"},
                new Object[] {sft, "sft"}, new Object[] {optim, "optim"}, new Object[] {train, "train"},
                new Object[] {eval, "eval"}, new Object[] {checkpoint, "checkpoint"}, new Object[] {log, "log"})) {
            if (section[0] == null) {
                throw new IllegalArgumentException(section[1] + ": the section is missing");
            }
        }
        if (model != null && method.equals(FinetuneConfig.LORA)) {
            throw new IllegalArgumentException("method: lora adapts a student checkpoint (--student DIR), but the "
                    + "config has a model section (a fresh student); use method full or give --student");
        }
    }

    public boolean usesLora() {
        return method.equals(FinetuneConfig.LORA);
    }

    /** The fine-tuning view of this config (a student checkpoint on SFT data goes through {@code Finetune}). */
    public FinetuneConfig finetuneConfig() {
        return new FinetuneConfig(method, lora, sft, optim, train, eval, checkpoint, log);
    }

    /** The trainer's config for a student of {@code studentModel}. */
    public TrainConfig trainConfig(ModelConfig studentModel) {
        return new TrainConfig(studentModel, optim, train, eval, checkpoint, log);
    }
}
