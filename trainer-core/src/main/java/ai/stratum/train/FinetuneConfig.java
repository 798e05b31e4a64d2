package ai.stratum.train;

import ai.stratum.train.checkpoint.CheckpointConfig;
import ai.stratum.train.optim.OptimConfig;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.lora.LoraConfig;
import ai.stratum.train.sft.SftConfig;

import java.util.List;

/**
 * A fine-tuning run's configuration: the method, LoRA's adapters, how SFT data is encoded, and the same
 * optim/train/eval/checkpoint/log sections as pretraining. There is no model section: the architecture is the
 * base model's ({@link BaseModel}).
 *
 * @param method {@code full} (every weight trains) or {@code lora} (only adapters train; the base is frozen)
 * @param lora   the adapters (used by {@code method: lora})
 */
public record FinetuneConfig(String method, LoraConfig lora, SftConfig sft, OptimConfig optim, TrainingConfig train,
                             EvalConfig eval, CheckpointConfig checkpoint, LogConfig log) {

    public static final String FULL = "full";
    public static final String LORA = "lora";

    public FinetuneConfig {
        if (!List.of(FULL, LORA).contains(method)) {
            throw new IllegalArgumentException("method: must be full or lora, got " + method);
        }
        for (var section : List.of(new Object[] {lora, "lora"}, new Object[] {sft, "sft"},
                new Object[] {optim, "optim"}, new Object[] {train, "train"}, new Object[] {eval, "eval"},
                new Object[] {checkpoint, "checkpoint"}, new Object[] {log, "log"})) {
            if (section[0] == null) {
                throw new IllegalArgumentException(section[1] + ": the section is missing");
            }
        }
    }

    public boolean usesLora() {
        return method.equals(LORA);
    }

    /** The trainer's config for a base model of {@code model}. */
    public TrainConfig trainConfig(ModelConfig model) {
        return new TrainConfig(model, optim, train, eval, checkpoint, log);
    }
}
