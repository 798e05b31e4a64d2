package ai.stratum.cli.train;

import ai.stratum.model.Decoder;
import ai.stratum.tokenizer.Tokenizer;
import ai.stratum.train.checkpoint.Checkpoints;
import ai.stratum.train.DecoderModel;
import ai.stratum.train.LanguageModel;
import ai.stratum.train.LoraModel;
import ai.stratum.hf.PeftAdapter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The model a generate or eval command runs: a checkpoint, or a base with a LoRA adapter attached unmerged. */
final class Models {

    private Models() {
    }

    /** {@code --checkpoint}, else the adapter's {@code base_model_name_or_path}. */
    /** A checkpoint or adapter directory as given, or a run directory standing for its latest one; null stays null. */
    static Path resolve(Path checkpointOrRun) {
        return checkpointOrRun == null ? null : ai.stratum.train.checkpoint.Checkpoints.resolve(checkpointOrRun);
    }

    static Path base(Path checkpoint, Path adapter) throws IOException {
        if (checkpoint != null) {
            return checkpoint;
        }
        if (adapter == null) {
            throw new IllegalArgumentException("checkpoint: pass --checkpoint DIR (and optionally --adapter DIR)");
        }
        return Path.of(PeftAdapter.baseModel(adapter).orElseThrow(() -> new IllegalArgumentException(
                "checkpoint: " + adapter.resolve(PeftAdapter.CONFIG) + " names no base_model_name_or_path; pass "
                        + "--checkpoint BASE_DIR")));
    }

    static LanguageModel open(Path checkpoint, Path adapter, int batch, int seqLen) throws IOException {
        Path base = base(checkpoint, adapter);
        return adapter == null ? new DecoderModel(DecoderModel.load(base, batch, seqLen))
                : LoraModel.open(base, adapter, batch, seqLen);
    }

    static Decoder decoder(LanguageModel model) {
        return model instanceof LoraModel lora ? lora.base() : ((DecoderModel) model).decoder();
    }

    /**
     * {@code --tokenizer}, else the adapter's tokenizer.json (it has the template's tokens), else the base
     * directory's tokenizer ({@code tokenizer.json}, or GPT-2's vocabulary files).
     */
    static Tokenizer tokenizer(Path explicit, Path checkpoint, Path adapter) throws IOException {
        if (explicit != null) {
            return Tokenizer.load(explicit);
        }
        if (adapter != null && Files.isRegularFile(adapter.resolve(Checkpoints.TOKENIZER))) {
            return Tokenizer.load(adapter.resolve(Checkpoints.TOKENIZER));
        }
        return Tokenizer.load(base(checkpoint, adapter));
    }
}
