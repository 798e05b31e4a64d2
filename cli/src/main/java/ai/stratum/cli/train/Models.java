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

import ai.stratum.cli.UserException;
import ai.stratum.hf.HfConfig;
import ai.stratum.model.ModelConfig;
import ai.stratum.train.MemoryEstimate;
import ai.stratum.train.NonFinite;

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
     * Refuses, before allocating, a (batch, seq_len) forward of the model in {@code checkpoint} (or the adapter's
     * base) that cannot fit in memory; {@code keys} name the command's flags for the sizes.
     */
    static void checkMemory(Path checkpoint, Path adapter, int batch, int seqLen, MemoryEstimate.Keys keys)
            throws IOException {
        Path base = base(checkpoint, adapter);
        ModelConfig m;
        try {
            m = HfConfig.read(base);
        } catch (IOException e) {
            // a config.json that is not JSON (cut short by a copy or a full disk); other errors say what they are
            throw e.getCause() instanceof com.fasterxml.jackson.core.JsonProcessingException ? new IOException(
                    e.getMessage() + "; the file is truncated or damaged: use another checkpoint "
                            + "(RUN/checkpoints/step-N) or copy this one again", e) : e;
        }
        int t = Math.min(seqLen, m.contextLength());
        MemoryEstimate.inference(m, batch, t, Float.BYTES).check(m, batch, t, keys);
    }

    /**
     * {@link #open}, refused before allocating when it cannot fit in memory ({@link #checkMemory}) and after loading
     * when its weights hold NaN or infinities (what a diverged run saves).
     */
    static LanguageModel openChecked(Path checkpoint, Path adapter, int batch, int seqLen, MemoryEstimate.Keys keys)
            throws IOException {
        checkMemory(checkpoint, adapter, batch, seqLen, keys);
        return openFinite(checkpoint, adapter, batch, seqLen);
    }

    /**
     * {@link #open}, refused after loading when its weights hold NaN or infinities; for a caller that ran
     * {@link #checkMemory} on the same shape already.
     */
    static LanguageModel openFinite(Path checkpoint, Path adapter, int batch, int seqLen) throws IOException {
        LanguageModel model = open(checkpoint, adapter, batch, seqLen);
        long badBase = NonFinite.count(model instanceof LoraModel lora ? lora.base().params() : model.params());
        long badAdapter = adapter == null ? 0 : NonFinite.count(model.params());
        if (badBase + badAdapter > 0) {
            model.close();
            throw new UserException((badBase > 0 ? base(checkpoint, adapter) : adapter) + ": "
                    + (badBase > 0 ? badBase : badAdapter) + " weights are NaN or infinite, so the model cannot "
                    + "predict anything: the run had diverged when it was saved; use an earlier checkpoint "
                    + "(RUN/checkpoints/step-N) or train again with a lower optim.lr");
        }
        return model;
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
