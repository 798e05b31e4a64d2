package ai.stratum.train;

import ai.stratum.hf.BaseModel;
import ai.stratum.train.checkpoint.RunInputs;
import ai.stratum.train.data.BatchSource;
import ai.stratum.train.metrics.StepMetrics;
import ai.stratum.io.AtomicFiles;
import ai.stratum.io.RunDirLock;
import ai.stratum.model.lora.LoraConfig;
import ai.stratum.train.sft.ChatEncoder;
import ai.stratum.train.sft.SequencePacker;
import ai.stratum.train.sft.SftConfig;
import ai.stratum.train.sft.SftData;
import ai.stratum.train.sft.SftEncoder;
import ai.stratum.train.sft.SftExample;
import ai.stratum.train.sft.SftJsonl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A fine-tuning run: a {@link BaseModel}, SFT JSONL packed into rows, and the one {@link Trainer} loop with the
 * method as a model wrapper plus a trainable-parameter filter. {@code full} trains every weight of a {@link DecoderModel}
 * (checkpoints are full Hugging Face directories); {@code lora} trains only the adapters of a {@link LoraModel}
 * over the frozen base (checkpoints hold the PEFT adapter files).
 *
 * <p>LoRA keeps every base weight frozen, including the embedding, so it cannot learn rows for tokens the base has
 * none for: the chat template's special tokens must have ids inside the base's vocabulary (the base tokenizer
 * has them, or the base's {@code vocab_size} leaves room beyond its tokenizer). Otherwise the run stops before
 * training and says so; a full fine-tune grows the embedding instead (new rows = mean of the others).
 */
public final class Finetune {

    /** The run's tokenizer (the base's plus the template's special tokens), saved in the run directory. */
    public static final String TOKENIZER = "tokenizer.json";

    /**
     * @param config             the resolved fine-tuning config
     * @param base               a Stratum checkpoint or Hugging Face GPT-2 directory
     * @param train              SFT JSONL to train on
     * @param val                SFT JSONL to evaluate on, or null
     * @param runDir             where config, metrics, checkpoints and {@code latest} go
     * @param resume             continue from the newest valid checkpoint in {@code runDir}
     * @param peakFlopsPerSecond the measured sgemm peak for MFU; 0 when unknown
     */
    public record Request(FinetuneConfig config, Path base, Path train, Path val, Path runDir, boolean resume,
                          double peakFlopsPerSecond) {
        public Request {
            if (config == null || base == null || train == null || runDir == null) {
                throw new IllegalArgumentException("finetune: config, base, train data and run directory are required");
            }
        }
    }

    private Finetune() {
    }

    /**
     * What {@link #prepare} builds: the trainer's run and the model factory (a {@link LoraModel} over the base, or
     * a plain {@link DecoderModel} whose init loads the base).
     */
    public record Prepared(Trainer.Run run, ModelFactory factory) {
    }

    public static Trainer.Result run(Request request, Consumer<String> progress, Consumer<StepMetrics> onStep)
            throws IOException {
        try (RunDirLock lock = RunDirLock.acquire(request.runDir())) {
            Prepared p = prepare(request, progress);
            return new Trainer(p.run(), p.factory(), progress, onStep).run();
        }
    }

    /**
     * What a run was started on, saved as {@code inputs.json} in its directory so that {@code --resume} needs only
     * the run directory.
     *
     * @param base  the base model directory
     * @param train the SFT training file
     * @param val   the SFT validation file, or null
     */
    public record Inputs(Path base, Path train, Path val) {
        public static final String FILE = "inputs.json";

        public Inputs {
            if (base == null || train == null) {
                throw new IllegalArgumentException("inputs: base and train are required");
            }
        }

        /** The inputs saved in {@code runDir}; the error says what to pass when there are none. */
        public static Inputs read(Path runDir) throws IOException {
            var n = RunInputs.read(runDir, FILE, "base and data are", "pass --base and --data", "base", "train");
            return new Inputs(RunInputs.path(n, "base"), RunInputs.path(n, "train"), RunInputs.path(n, "val"));
        }

        void write(Path runDir) throws IOException {
            var values = new java.util.LinkedHashMap<String, Path>();
            values.put("base", base);
            values.put("train", train);
            if (val != null) {
                values.put("val", val);
            }
            RunInputs.write(runDir, FILE, values);
        }
    }

    /** Opens the base, saves the run's tokenizer, packs the data and reports the counts; trains nothing. */
    public static Prepared prepare(Request request, Consumer<String> progress) throws IOException {
        FinetuneConfig cfg = request.config();
        SftConfig sft = cfg.sft();
        // the base's own chat template (sft.chat_template auto) needs no tokens added; Stratum's template does
        boolean ownTemplate = ChatEncoder.usesBaseTemplate(request.base(), sft.chatTemplate());
        BaseModel base = BaseModel.open(request.base(), ownTemplate ? List.of() : sft.template().specialTokens());
        progress.accept(String.format("base %s: %d layers, width %d, context %d, vocabulary %,d%s",
                request.base(), base.stored().nLayer(), base.stored().dModel(), base.stored().contextLength(),
                base.stored().vocabSize(), base.vocabularyGrows()
                        ? " grown to " + String.format("%,d", base.config().vocabSize()) + " for the template's tokens"
                        : ""));
        if (cfg.usesLora() && base.vocabularyGrows()) {
            throw new IllegalArgumentException("method: lora keeps the base frozen, so the chat template's special "
                    + "tokens " + sft.template().specialTokens() + " need embedding rows in the base, but "
                    + request.base() + " has vocab_size " + base.stored().vocabSize() + " and its tokenizer has no "
                    + "room for them; use a base whose tokenizer has them (stratum tokenizer train --special ...), or "
                    + "fine-tune with method full, which grows the embedding");
        }
        Files.createDirectories(request.runDir());
        checkSameBase(request);
        if (!request.resume() || !Files.isRegularFile(request.runDir().resolve(Inputs.FILE))) {
            // a resume keeps what the run started on: data given on resume is checked against it, not recorded
            new Inputs(request.base(), request.train(), request.val()).write(request.runDir());
        }
        Path tokenizerFile = request.runDir().resolve(TOKENIZER);
        base.tokenizer().save(tokenizerFile);
        for (String side : ai.stratum.train.checkpoint.Checkpoints.TOKENIZER_SIDE_FILES) {
            // with the base's template its files travel with the run's checkpoints (generate --chat reads them);
            // with Stratum's template the base's chat_template would not be the one trained, so none is copied
            Path from = request.base().resolve(side);
            Path to = request.runDir().resolve(side);
            if (ownTemplate && Files.isRegularFile(from)) {
                AtomicFiles.writeBytes(to, Files.readAllBytes(from));
            } else {
                Files.deleteIfExists(to);
            }
        }

        TrainingConfig t = cfg.train();
        ChatEncoder encoder = ChatEncoder.forBase(request.base(), sft.chatTemplate(), base.tokenizer(), sft.template(),
                sft.trainOnInputs());
        progress.accept("chat template: " + encoder.describe());
        SequencePacker.Result train = pack(request.train(), encoder, t.seqLen(), sft, base.endOfText(), progress);
        SequencePacker.Result val = request.val() == null ? null
                : pack(request.val(), encoder, t.seqLen(), sft, base.endOfText(), progress);
        SftData data = new SftData(request.train().getFileName().toString(), train.rows(),
                val == null ? List.of() : val.rows(), base.endOfText());

        TrainConfig trainConfig = cfg.trainConfig(base.config());
        ModelFactory factory;
        ModelInit init;
        if (cfg.usesLora()) {
            LoraConfig lora = cfg.lora();
            factory = (config, maxBatch, maxSeqLen, dtype) -> {
                try {
                    return new LoraModel(base.load(maxBatch, maxSeqLen, dtype, false), lora, maxBatch * maxSeqLen,
                            request.base().toString());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
            init = ModelInit.fromSeed();
        } else {
            factory = DecoderModel.factory(base.family()); // a mistral base's checkpoints stay mistral
            init = (model, seed) -> base.loadInto(model.layout(), model.params());
        }
        // LoRA trains only its adapters' tensors (h.N...lora_A.weight, lora_B.weight), never the base's
        Trainer.Run run = Trainer.Run.finetune(trainConfig, data, request.runDir(), request.resume(), init,
                        cfg.usesLora() ? name -> name.contains(".lora_") : name -> true)
                .withTokenizer(tokenizerFile, base.endOfText())
                .withPeakFlops(request.peakFlopsPerSecond());
        return new Prepared(run, factory);
    }

    /** Where a run records which base it started from, so that a resume on another base is refused. */
    public static final String BASE_RECORD = "base.json";

    /**
     * A fresh run records its base ({@code base.json}: the path and a fingerprint of its weights' header and
     * config); a resumed run must name a base with the same fingerprint (the same weights, wherever they are now).
     */
    static void checkSameBase(Request request) throws IOException {
        Path record = request.runDir().resolve(BASE_RECORD);
        String fingerprint = BaseModel.fingerprint(request.base());
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        if (request.resume() && Files.isRegularFile(record)) {
            var stored = json.readTree(record.toFile());
            if (!fingerprint.equals(stored.path("fingerprint").asText())) {
                throw new IllegalArgumentException("base: this run was started from " + stored.path("path").asText()
                        + " but --base " + request.base() + " holds other weights; resume with the same base");
            }
            return;
        }
        var n = json.createObjectNode();
        n.put("path", request.base().toAbsolutePath().toString());
        n.put("fingerprint", fingerprint);
        AtomicFiles.writeString(record, json.writerWithDefaultPrettyPrinter().writeValueAsString(n));
    }

    /**
     * The masked loss (response tokens only) and perplexity of {@code model} on every example of an SFT file,
     * encoded with the default chat template and packed into rows of {@code seqLen} (over-long examples truncated).
     * {@code tokenizer} must already hold the template's tokens with ids inside the model's vocabulary.
     */
    public static Evaluation.Result evaluateSft(LanguageModel model, ai.stratum.tokenizer.Tokenizer tokenizer,
                                                Path file, int batch, int seqLen, Consumer<String> progress)
            throws IOException {
        int rowLength = Math.min(seqLen, model.config().contextLength());
        SftConfig sft = new SftConfig(false, SequencePacker.Overflow.TRUNCATE,
                ai.stratum.train.sft.ChatTemplate.DEFAULT);
        int pad = tokenizer.specialTokenId(ai.stratum.tokenizer.Tokenizer.END_OF_TEXT).orElse(0);
        SequencePacker.Result packed = pack(file, new SftEncoder(tokenizer, sft.template(), false), rowLength, sft,
                pad, progress);
        SftData data = new SftData(file.getFileName().toString(), packed.rows(), packed.rows(), pad);
        try (BatchSource rows = data.openValidation(batch, rowLength, model.config().vocabSize())) {
            return Evaluation.run(model, rows, data.evalSteps(Integer.MAX_VALUE, rows));
        }
    }

    /** Reads, encodes and packs one SFT file, reporting the counts. */
    static SequencePacker.Result pack(Path file, ChatEncoder encoder, int seqLen, SftConfig sft, int padId,
                                      Consumer<String> progress) throws IOException {
        List<SftExample> examples = SftJsonl.read(file);
        List<SftEncoder.Encoded> encoded = new ArrayList<>(examples.size());
        for (SftExample e : examples) {
            encoded.add(encoder.encode(e));
        }
        SequencePacker.Result r = SequencePacker.pack(encoded, seqLen, sft.overflow(), padId);
        progress.accept(describe(file, r.stats(), seqLen));
        if (r.rows().isEmpty()) {
            throw new IllegalArgumentException(file + ": no example left to train on after packing ("
                    + r.stats().droppedTooLong() + " longer than train.seq_len + 1 = " + (seqLen + 1) + " tokens, "
                    + r.stats().droppedNoTarget() + " with no trained token); raise train.seq_len or set "
                    + "sft.overflow: truncate");
        }
        return r;
    }

    /** The packing counts of one file, as printed at the start of a run. */
    public static String describe(Path file, SequencePacker.Stats s, int seqLen) {
        return String.format("sft %s: %,d examples, %,d packed, %,d truncated, %,d dropped (%,d too long, %,d "
                        + "without a trained token) -> %,d rows of %d tokens, fill %.1f%%, %,d trained targets",
                file.getFileName(), s.examples(), s.packed(), s.truncated(), s.droppedTooLong() + s.droppedNoTarget(),
                s.droppedTooLong(), s.droppedNoTarget(), s.rows(), seqLen, 100 * s.fill(), s.trainedTargets());
    }
}
