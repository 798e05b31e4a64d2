package ai.stratum.train.distill;

import ai.stratum.hf.BaseModel;
import ai.stratum.hf.TokenizerFiles;
import ai.stratum.io.AtomicFiles;
import ai.stratum.io.RunDirLock;
import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.lora.LoraConfig;
import ai.stratum.tokenizer.Tokenizer;
import ai.stratum.train.DecoderModel;
import ai.stratum.train.Finetune;
import ai.stratum.train.LanguageModel;
import ai.stratum.train.LoraModel;
import ai.stratum.train.MemoryEstimate;
import ai.stratum.train.ModelFactory;
import ai.stratum.train.ModelInit;
import ai.stratum.train.TrainConfig;
import ai.stratum.train.Trainer;
import ai.stratum.train.TrainingConfig;
import ai.stratum.train.checkpoint.RunInputs;
import ai.stratum.train.data.BatchSource;
import ai.stratum.train.data.DataPosition;
import ai.stratum.train.data.ShardData;
import ai.stratum.train.data.ShardSet;
import ai.stratum.train.metrics.StepMetrics;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * A distillation run: a frozen teacher (a Hugging Face layout checkpoint directory of any family) teaches a student
 * (a checkpoint, fully or through LoRA adapters, or a fresh model of a preset's architecture) on token shards or
 * SFT JSONL, through the one {@link Trainer} loop: the student is wrapped in a {@link DistillModel}, whose loss is
 * {@code alpha * CE + (1 - alpha) * T^2 * KL(teacher_T || student_T)} per row with a target (prompt positions of
 * SFT data are in neither term). Teacher and student must share a tokenizer; a run whose two tokenizers differ is
 * refused before anything is trained.
 *
 * <p>With {@code distill.teacher_cache}, a first pass runs the teacher once over the run's training stream (the
 * same seeded order the trainer will read) and writes each micro-batch's top-k teacher logits as a
 * {@link TeacherCache} block; training then reads the blocks instead of running the teacher. The pass skips blocks
 * already written, so an interrupted pass continues, and a resumed run reads the same blocks.
 */
public final class Distill {

    /** What a run was started on, so that {@code --resume} needs only the run directory. */
    public static final String INPUTS = "distill.json";
    /** What a teacher cache was computed from, in the cache directory. */
    public static final String CACHE_MANIFEST = "cache.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Distill() {
    }

    /**
     * @param config             the resolved config
     * @param teacher            the teacher's checkpoint directory
     * @param student            the student's checkpoint directory, or null for a fresh student of
     *                           {@code config.model()}
     * @param data               token shards (a directory) or an SFT JSONL file
     * @param val                SFT JSONL to evaluate on, or null (shards bring their own validation shards)
     * @param tokenizer          for a fresh student on shards: the tokenizer the shards were made with, or null for
     *                           the data directory's
     * @param runDir             where config, metrics, checkpoints and {@code latest} go
     * @param resume             continue from the newest valid checkpoint in {@code runDir}
     * @param peakFlopsPerSecond the measured sgemm peak for MFU; 0 when unknown
     */
    public record Request(DistillConfig config, Path teacher, Path student, Path data, Path val, Path tokenizer,
                          Path runDir, boolean resume, double peakFlopsPerSecond) {
        public Request {
            if (config == null || teacher == null || data == null || runDir == null) {
                throw new IllegalArgumentException("distill: config, teacher, data and run directory are required");
            }
            if (student != null && config.model() != null) {
                throw new IllegalArgumentException("model: the student checkpoint " + student + " brings its own "
                        + "architecture (config.json); remove the model section (or --preset) to distill into it, or "
                        + "drop --student to distill into a fresh model of the preset");
            }
            if (student == null && config.model() == null) {
                throw new IllegalArgumentException("student: give --student DIR (a checkpoint) or a preset with a "
                        + "model section (e.g. --preset tiny-cpu) for a fresh student");
            }
        }

        boolean sft() {
            return Files.isRegularFile(data);
        }
    }

    /** The student's run (data, init, trainable tensors, tokenizer) and the factory of distilled students. */
    public record Prepared(Trainer.Run run, ModelFactory factory, Path cacheDir, String teacherFingerprint) {
    }

    /** Builds the teacher cache if the config asks for one, then trains. */
    public static Trainer.Result run(Request request, Consumer<String> progress, Consumer<StepMetrics> onStep)
            throws IOException {
        try (RunDirLock lock = RunDirLock.acquire(request.runDir())) {
            Prepared p = prepare(request, progress);
            if (p.cacheDir() != null) {
                buildCache(request, p, progress);
            }
            return new Trainer(p.run(), p.factory(), progress, onStep).run();
        }
    }

    /** Runs only the teacher-cache pass (the config must set {@code distill.teacher_cache}); returns blocks written. */
    public static long cacheTeacher(Request request, Consumer<String> progress) throws IOException {
        if (request.config().distill().teacherCache() == null) {
            throw new IllegalArgumentException("distill.teacher_cache: not set; give the cache directory "
                    + "(--set distill.teacher_cache=DIR) and distill.top_k");
        }
        try (RunDirLock lock = RunDirLock.acquire(request.runDir())) {
            return buildCache(request, prepare(request, progress), progress);
        }
    }

    /** Checks the inputs (tokenizers, vocabularies, a resumed run's teacher), reads the data; trains nothing. */
    public static Prepared prepare(Request request, Consumer<String> progress) throws IOException {
        DistillConfig cfg = request.config();
        Path runDir = request.runDir();
        BaseModel teacher = BaseModel.open(request.teacher(), List.of());
        progress.accept(String.format("teacher %s: %d layers, width %d, vocabulary %,d", request.teacher(),
                teacher.stored().nLayer(), teacher.stored().dModel(), teacher.stored().vocabSize()));
        if (request.student() != null) {
            checkSameTokenizer(request.teacher(), request.student(), "student's");
            checkVocab(request, teacher, ai.stratum.hf.HfConfig.read(request.student()).vocabSize());
        }
        int seqLen = cfg.train().seqLen();
        if (seqLen > teacher.stored().contextLength()) {
            throw new IllegalArgumentException("train.seq_len: " + seqLen + " is longer than the teacher's context of "
                    + teacher.stored().contextLength() + " tokens (" + request.teacher().resolve("config.json")
                    + "); the teacher must see every position the student trains on: --set train.seq_len="
                    + teacher.stored().contextLength());
        }

        Files.createDirectories(runDir);
        String fingerprint = BaseModel.fingerprint(request.teacher());
        recordInputs(request, fingerprint);

        Trainer.Run run;
        ModelFactory inner;
        if (request.student() != null) {
            if (request.sft()) {
                Finetune.Prepared fp = Finetune.prepare(new Finetune.Request(cfg.finetuneConfig(), request.student(),
                        request.data(), request.val(), runDir, request.resume(), request.peakFlopsPerSecond()),
                        progress);
                run = fp.run();
                inner = fp.factory();
            } else {
                BaseModel student = BaseModel.open(request.student(), List.of());
                progress.accept(String.format("student %s: %d layers, width %d, %s", request.student(),
                        student.stored().nLayer(), student.stored().dModel(), cfg.method()));
                ShardSet shards = openShards(request.data(), student.config());
                TokenizerFiles.copy(request.student(), runDir);
                Path tok = runDir.resolve(TokenizerFiles.TOKENIZER);
                if (!Files.isRegularFile(tok)) {
                    student.tokenizer().save(tok);
                }
                ModelInit init;
                if (cfg.usesLora()) {
                    LoraConfig lora = cfg.lora();
                    String name = request.student().toAbsolutePath().toString();
                    inner = (config, maxBatch, maxSeqLen, dtype) -> {
                        try {
                            return new LoraModel(student.load(maxBatch, maxSeqLen, dtype, false), lora,
                                    maxBatch * maxSeqLen, name);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    };
                    init = ModelInit.fromSeed();
                } else {
                    inner = DecoderModel.factory();
                    init = (model, seed) -> student.loadInto(model.layout(), model.params());
                }
                run = Trainer.Run.finetune(cfg.trainConfig(student.config()), new ShardData(shards), runDir,
                                request.resume(), init, cfg.usesLora() ? n -> n.contains(".lora_") : n -> true)
                        .withTokenizer(tok, student.endOfText())
                        .withPeakFlops(request.peakFlopsPerSecond());
            }
        } else {
            ModelConfig model = cfg.model();
            checkVocab(request, teacher, model.vocabSize());
            if (request.sft()) {
                // a fresh student reads SFT data with the teacher's tokenizer and chat template
                Finetune.Prepared fp = Finetune.prepare(new Finetune.Request(cfg.finetuneConfig(), request.teacher(),
                        request.data(), request.val(), runDir, request.resume(), request.peakFlopsPerSecond()),
                        progress);
                run = Trainer.Run.finetune(cfg.trainConfig(model), fp.run().data(), runDir, request.resume(),
                                ModelInit.fromSeed(), n -> true)
                        .withTokenizer(fp.run().tokenizerJson(), fp.run().eosTokenId())
                        .withPeakFlops(request.peakFlopsPerSecond());
            } else {
                ShardSet shards = openShards(request.data(), model);
                Path tok = TokenizerFiles.forPretraining(request.data(), request.tokenizer(), runDir);
                checkSameTokenizer(request.teacher(), tok, "student's (the data's)");
                Tokenizer tokenizer = Tokenizer.load(tok);
                int eos = tokenizer.specialTokens().getOrDefault(Tokenizer.END_OF_TEXT,
                        shards.eotId() >= 0 ? shards.eotId() : model.vocabSize() - 1);
                run = Trainer.Run.pretrain(cfg.trainConfig(model), shards, runDir, request.resume())
                        .withTokenizer(tok, eos)
                        .withPeakFlops(request.peakFlopsPerSecond());
            }
            inner = DecoderModel.factory();
        }
        checkVocab(request, teacher, run.config().model().vocabSize());

        DistillSettings d = cfg.distill();
        Path cacheDir = d.teacherCache() == null ? null : Path.of(d.teacherCache()).toAbsolutePath();
        if (cacheDir == null) {
            checkMemory(Trainer.memory(run), teacher.stored(), run.config().train().microBatchSize(), seqLen,
                    request.teacher(), MemoryEstimate.available());
        }
        int micro = run.config().train().accumulationSteps();
        ModelFactory students = inner;
        Path teacherDir = request.teacher();
        DistillationLoss loss = d.loss();
        ModelFactory factory = (config, maxBatch, maxSeqLen, dtype) -> {
            LanguageModel student = students.create(config, maxBatch, maxSeqLen, dtype);
            try {
                if (cacheDir != null) {
                    return DistillModel.cached(student, cacheDir, loss, d.topK(), micro, maxBatch, maxSeqLen, 0);
                }
                Decoder t = teacher.load(maxBatch, maxSeqLen, org.nd4j.linalg.api.buffer.DataType.FLOAT, false);
                return DistillModel.live(student, t, loss, d.topK(), micro, maxBatch, maxSeqLen, 0);
            } catch (IOException e) {
                student.close();
                throw new UncheckedIOException(teacherDir + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                student.close();
                throw e;
            }
        };
        progress.accept(String.format("distillation: temperature %s, alpha %s, %s", d.temperature(), d.alpha(),
                d.topK() == 0 ? "dense teacher, run live" : "top-" + d.topK() + " teacher logits, "
                        + (cacheDir == null ? "run live" : "read from " + cacheDir)));
        return new Prepared(run, factory, cacheDir, fingerprint);
    }

    /**
     * Refuses, before either model is loaded, a run with a live teacher whose student step and teacher forward
     * cannot both fit in {@code available} bytes (the student's own check in {@link Trainer} sees only the student).
     */
    static void checkMemory(MemoryEstimate student, ModelConfig teacher, int batch, int seqLen, Path teacherDir,
                            long available) {
        MemoryEstimate t = MemoryEstimate.teacher(teacher, batch, seqLen);
        if (student.total() + t.total() <= available) {
            return;
        }
        throw new IllegalArgumentException("train.micro_batch_size: the student's training step needs an estimated "
                + MemoryEstimate.gib(student.total()) + " and the live teacher " + teacherDir + " "
                + MemoryEstimate.gib(t.total()) + " (weights " + MemoryEstimate.gib(t.parameters()) + ", activations "
                + MemoryEstimate.gib(t.activations()) + " for train.micro_batch_size " + batch + " x train.seq_len "
                + seqLen + "), " + MemoryEstimate.gib(student.total() + t.total()) + " in all, but only "
                + MemoryEstimate.gib(available) + " are available; lower train.micro_batch_size (or train.seq_len), "
                + "or cache the teacher's top-k logits first (--set distill.teacher_cache=DIR --set distill.top_k=K) "
                + "so that the teacher is not in memory while the student trains");
    }

    /** Teacher and student vocabularies must be one: the KL compares their distributions id by id. */
    private static void checkVocab(Request request, BaseModel teacher, int studentVocab) {
        DistillConfig cfg = request.config();
        if (studentVocab != teacher.stored().vocabSize()) {
            throw new IllegalArgumentException("vocab_size: the teacher " + request.teacher().resolve("config.json")
                    + " has " + teacher.stored().vocabSize() + " ids but the student "
                    + (request.student() != null ? request.student().resolve("config.json") + " has "
                    : "(model.vocab_size of the config) has ") + studentVocab
                    + (request.sft() && request.student() != null && cfg.sft().chatTemplate().equals("stratum")
                    ? " (with sft.chat_template stratum, counting the template's tokens if they were added; use a base whose "
                    + "tokenizer has them)" : "")
                    + "; teacher and student must share a tokenizer and its vocabulary size"
                    + (request.student() == null ? ": --set model.vocab_size=" + teacher.stored().vocabSize() : ""));
        }
    }

    private static ShardSet openShards(Path data, ModelConfig model) throws IOException {
        if (!Files.isDirectory(data)) {
            throw new IllegalArgumentException("data: " + data + " is neither token shards (a directory) nor an SFT "
                    + "JSONL file");
        }
        ShardSet shards = ShardSet.open(data);
        if (shards.vocabSize() > model.vocabSize()) {
            throw new IllegalArgumentException("data: " + data + " has token ids up to " + shards.vocabSize()
                    + " but the student's vocabulary has " + model.vocabSize());
        }
        return shards;
    }

    /**
     * Refuses two tokenizers that are not the same one: their vocabularies (ids and token strings), merges, added
     * and special tokens ({@link Tokenizer#fingerprint()}), naming both files.
     */
    static void checkSameTokenizer(Path teacherDir, Path student, String whose) {
        Tokenizer a = Tokenizer.load(teacherDir);
        Tokenizer b = Tokenizer.load(student);
        if (a.fingerprint().equals(b.fingerprint())) {
            return;
        }
        Path fa = tokenizerFile(teacherDir);
        Path fb = tokenizerFile(student);
        String detail = a.vocabSize() != b.vocabSize()
                ? a.vocabSize() + " tokens vs " + b.vocabSize()
                : "both " + a.vocabSize() + " tokens, but the token strings, merges or special tokens differ";
        throw new IllegalArgumentException("tokenizer: the teacher's " + fa + " and the " + whose + " " + fb
                + " are different tokenizers (" + detail + "); distillation compares the two models' next-token "
                + "distributions id by id, so both must use the same tokenizer.json");
    }

    private static Path tokenizerFile(Path p) {
        return Files.isDirectory(p) && Files.isRegularFile(p.resolve(TokenizerFiles.TOKENIZER))
                ? p.resolve(TokenizerFiles.TOKENIZER) : p;
    }

    /**
     * What a run was started on ({@value #INPUTS}): a fresh run writes it; a resumed run must name the same
     * teacher weights (by fingerprint).
     */
    private static void recordInputs(Request r, String teacherFingerprint) throws IOException {
        Path file = r.runDir().resolve(INPUTS);
        if (r.resume() && Files.isRegularFile(file)) {
            Inputs saved = Inputs.read(r.runDir());
            if (!saved.teacherFingerprint().equals(teacherFingerprint)) {
                throw new IllegalArgumentException("teacher: this run was distilled from " + saved.teacher() + " but "
                        + r.teacher() + " holds other weights; resume with the same teacher");
            }
            return;
        }
        new Inputs(r.teacher().toAbsolutePath(), teacherFingerprint, abs(r.student()), r.data().toAbsolutePath(),
                abs(r.val()), abs(r.tokenizer())).write(r.runDir());
    }

    private static Path abs(Path p) {
        return p == null ? null : p.toAbsolutePath();
    }

    /** A run's {@value #INPUTS}: teacher (and its weights' fingerprint), student, data, validation, tokenizer. */
    public record Inputs(Path teacher, String teacherFingerprint, Path student, Path data, Path val, Path tokenizer) {

        public static Inputs read(Path runDir) throws IOException {
            JsonNode n = RunInputs.read(runDir, INPUTS, "teacher, student and data are",
                    "pass --teacher, --student and --data", "teacher", "teacher_fingerprint", "data");
            return new Inputs(RunInputs.path(n, "teacher"), n.get("teacher_fingerprint").asText(),
                    RunInputs.path(n, "student"), RunInputs.path(n, "data"), RunInputs.path(n, "val"),
                    RunInputs.path(n, "tokenizer"));
        }

        void write(Path runDir) throws IOException {
            var values = new java.util.LinkedHashMap<String, Object>();
            values.put("teacher", teacher);
            values.put("teacher_fingerprint", teacherFingerprint);
            values.put("student", student);
            values.put("data", data);
            values.put("val", val);
            values.put("tokenizer", tokenizer);
            RunInputs.write(runDir, INPUTS, values);
        }
    }

    /**
     * The teacher-cache pass: the run's training stream from its start, in the trainer's order, one block of top-k
     * teacher logits per micro-batch (blocks already present are skipped). The cache's {@value #CACHE_MANIFEST}
     * records what the rows depend on; a cache built for other inputs is refused by the key that differs.
     */
    static long buildCache(Request request, Prepared p, Consumer<String> progress) throws IOException {
        TrainConfig cfg = p.run().config();
        TrainingConfig t = cfg.train();
        int k = request.config().distill().topK();
        int vocab = cfg.model().vocabSize();
        int batch = t.microBatchSize();
        int seqLen = t.seqLen();
        int micro = t.accumulationSteps();
        long steps = t.totalSteps();
        Path dir = p.cacheDir();
        Files.createDirectories(dir);
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("format", "STKD");
        manifest.put("version", TeacherCache.VERSION);
        manifest.put("top_k", k);
        manifest.put("vocab_size", vocab);
        manifest.put("micro_batch_size", batch);
        manifest.put("seq_len", seqLen);
        manifest.put("accumulation_steps", micro);
        manifest.put("seed", t.seed());
        manifest.put("teacher_fingerprint", p.teacherFingerprint());
        var ids = manifest.putArray("data");
        p.run().data().identity().forEach(ids::add);
        Path file = dir.resolve(CACHE_MANIFEST);
        if (Files.isRegularFile(file)) {
            JsonNode old = JSON.readTree(file.toFile());
            for (var it = manifest.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().toString().equals(String.valueOf(old.get(e.getKey())))) {
                    throw new IllegalArgumentException("distill.teacher_cache: " + file + " was built with "
                            + e.getKey() + " = " + old.get(e.getKey()) + " but this run has " + e.getValue()
                            + "; delete " + dir + " or point distill.teacher_cache at another directory");
                }
            }
        } else {
            AtomicFiles.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(manifest));
        }
        long total = steps * micro;
        long rowsPerBlock = (long) batch * seqLen;
        long present = 0;
        for (long i = 0; i < total; i++) {
            present += TeacherCache.has(dir, i * rowsPerBlock) ? 1 : 0;
        }
        if (present == total) {
            progress.accept("teacher cache " + dir + ": all " + total + " blocks present");
            return 0;
        }
        progress.accept(String.format("teacher cache %s: %,d of %,d blocks present; running the teacher over the "
                + "rest", dir, present, total));
        int[] tokens = new int[batch * seqLen];
        int[] targets = new int[batch * seqLen];
        int[] segments = new int[batch * seqLen];
        long written = 0;
        long start = System.nanoTime();
        Decoder decoder = BaseModel.open(request.teacher(), List.of()).load(batch, seqLen,
                org.nd4j.linalg.api.buffer.DataType.FLOAT, false);
        int blockRows = LiveTeacher.blockRows(rowsPerBlock, vocab, DistillModel.BLOCK_BYTES);
        try (LiveTeacher live = new LiveTeacher(decoder, k, blockRows);
             BatchSource source = p.run().data().openTrain(batch, seqLen, vocab, t.seed(), DataPosition.START)) {
            for (long i = 0; i < total; i++) {
                boolean segmented = source.next(tokens, targets, segments);
                long firstRow = i * rowsPerBlock;
                if (TeacherCache.has(dir, firstRow)) {
                    continue;
                }
                int[] seg = segmented ? segments : null;
                live.begin(firstRow, tokens, batch, seqLen, seg);
                int n = batch * seqLen;
                int[] allIds = new int[n * k];
                float[] allLogits = new float[n * k];
                for (int r0 = 0; r0 < n; r0 += blockRows) {
                    int r = Math.min(blockRows, n - r0);
                    DistillationLoss.TopK rows = (DistillationLoss.TopK) live.rows(r0, r);
                    System.arraycopy(rows.ids(), 0, allIds, r0 * k, r * k);
                    System.arraycopy(rows.logits(), 0, allLogits, r0 * k, r * k);
                }
                TeacherCache.write(TeacherCache.blockFile(dir, firstRow), new TeacherCache.Block(vocab, firstRow,
                        new DistillationLoss.TopK(k, allIds, allLogits), TeacherCache.tokenChecksum(tokens, seg)));
                written++;
                if (written % 50 == 0) {
                    double s = (System.nanoTime() - start) / 1e9;
                    progress.accept(String.format("teacher cache: %,d blocks written (%,.0f tokens/s)", written,
                            written * rowsPerBlock / s));
                }
            }
        }
        double s = (System.nanoTime() - start) / 1e9;
        progress.accept(String.format("teacher cache %s: %,d blocks written in %.1f s (%,.0f tokens/s)", dir, written,
                s, written * rowsPerBlock / Math.max(s, 1e-9)));
        return written;
    }
}
