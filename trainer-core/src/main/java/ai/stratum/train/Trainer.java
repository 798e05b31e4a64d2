package ai.stratum.train;

import ai.stratum.train.checkpoint.Checkpoints;
import ai.stratum.train.checkpoint.TrainerState;
import ai.stratum.train.data.BatchSource;
import ai.stratum.train.data.DataPosition;
import ai.stratum.train.data.ShardData;
import ai.stratum.train.data.ShardSet;
import ai.stratum.train.data.TrainingData;
import ai.stratum.train.metrics.MetricsLog;
import ai.stratum.train.metrics.StepMetrics;
import ai.stratum.train.optim.AdamW;
import ai.stratum.train.optim.LrSchedule;
import ai.stratum.util.Seeds;
import ai.stratum.io.RunDirLock;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The one training loop, for pretraining, full fine-tuning and LoRA alike. What differs is plugged in: the data
 * ({@link TrainingData}: token shards or packed SFT rows, each a {@link BatchSource} whose position a checkpoint
 * saves), the model ({@link ModelFactory}: a {@link DecoderModel}, or a {@link LoraModel} whose trainable layout is
 * only the adapters over a frozen base), how fresh weights start ({@link ModelInit}: random, a base checkpoint,
 * or fresh adapters) and the trainable-parameter filter.
 *
 * <p>Per optimizer step: zero the gradients; for each of {@code batch_size_tokens / (B * T)} micro-batches run
 * forward and backward with loss scale 1 / micro-steps (dropout seeded by (seed, step, micro-step)); stop on a
 * NaN or infinite loss or gradient; clip the global norm; AdamW with the scheduled learning rate. At step 1 and
 * every {@code log.every} steps a line goes to {@code metrics.jsonl} and a progress line to {@code progress}; every
 * {@code eval.every} steps the validation loss; every {@code checkpoint.every} steps and at the end a checkpoint.
 */
public final class Trainer {

    /**
     * A run.
     *
     * @param config             the resolved config
     * @param data               what to train and evaluate on (token shards, or packed SFT rows)
     * @param runDir             where metrics, checkpoints and {@code latest} go
     * @param resume             continue from the newest valid checkpoint in {@code runDir}
     * @param init               how a fresh run's weights start
     * @param trainable          which parameter tensors train (by name)
     * @param tokenizerJson      copied into every checkpoint when not null
     * @param eosTokenId         written to {@code config.json}
     * @param peakFlopsPerSecond the measured sgemm peak for MFU; 0 when unknown
     */
    public record Run(TrainConfig config, TrainingData data, Path runDir, boolean resume, ModelInit init,
                      Predicate<String> trainable, Path tokenizerJson, int eosTokenId, double peakFlopsPerSecond) {
        public Run {
            if (eosTokenId < 0 || eosTokenId >= config.model().vocabSize()) {
                throw new IllegalArgumentException("eos_token_id: must be in [0, vocab_size="
                        + config.model().vocabSize() + "), got " + eosTokenId);
            }
        }

        /** Pretraining: random init, every tensor trainable, end-of-text = the last id. */
        public static Run pretrain(TrainConfig config, ShardSet data, Path runDir, boolean resume) {
            return new Run(config, new ShardData(data), runDir, resume, ModelInit.fromSeed(), name -> true, null,
                    config.model().vocabSize() - 1, 0);
        }

        /**
         * Fine-tuning: weights from {@code init} (a base model, or fresh adapters over one), the tensors that
         * {@code trainable} selects of the model's layout.
         */
        public static Run finetune(TrainConfig config, TrainingData data, Path runDir, boolean resume, ModelInit init,
                                   Predicate<String> trainable) {
            return new Run(config, data, runDir, resume, init, trainable, null, config.model().vocabSize() - 1, 0);
        }

        public Run withTokenizer(Path tokenizer, int eos) {
            return new Run(config, data, runDir, resume, init, trainable, tokenizer, eos, peakFlopsPerSecond);
        }

        /** Starts from {@code init} instead of random weights, e.g. {@link ModelInit#fromCheckpoint}. */
        public Run withInit(ModelInit modelInit) {
            return new Run(config, data, runDir, resume, modelInit, trainable, tokenizerJson, eosTokenId,
                    peakFlopsPerSecond);
        }

        public Run withPeakFlops(double peak) {
            return new Run(config, data, runDir, resume, init, trainable, tokenizerJson, eosTokenId, peak);
        }
    }

    /**
     * How a run ended.
     *
     * @param steps          optimizer steps completed
     * @param loss           the last step's training loss
     * @param val            the last evaluation, or null without validation shards
     * @param lastCheckpoint the checkpoint written at the end
     */
    public record Result(long steps, double loss, Evaluation.Result val, Path lastCheckpoint) {
    }

    private final Run run;
    private final ModelFactory factory;
    private final Consumer<String> progress;
    private final Consumer<StepMetrics> onStep;

    /**
     * @param progress receives human-readable lines (the CLI prints them on stderr)
     * @param onStep   receives every optimizer step's metrics, whether or not it is logged
     */
    public Trainer(Run run, ModelFactory factory, Consumer<String> progress, Consumer<StepMetrics> onStep) {
        this.run = run;
        this.factory = factory;
        this.progress = progress;
        this.onStep = onStep;
    }

    /**
     * Training FLOPs per token (forward + backward): {@code flopsPerParameter} (6 when every weight trains) per
     * parameter plus attention, as in PaLM's appendix B.
     */
    public static double flopsPerToken(ModelConfig m, long params, double flopsPerParameter, int seqLen) {
        return flopsPerParameter * params + 12.0 * m.nLayer() * m.dModel() * seqLen;
    }

    /** Trains with the run directory locked against other writers ({@link RunDirLock}). */
    public Result run() throws IOException {
        try (RunDirLock lock = RunDirLock.acquire(run.runDir())) {
            return train();
        }
    }

    /** What a step of the run needs in memory: its model, trained or frozen as the run's trainable tensors say. */
    public static MemoryEstimate memory(Run run) {
        TrainConfig cfg = run.config();
        boolean trainsBase = ParameterLayout.decoder(cfg.model()).tensors().stream()
                .anyMatch(tensor -> run.trainable().test(tensor.name()));
        return MemoryEstimate.training(cfg.model(), cfg.train().microBatchSize(), cfg.train().seqLen(),
                cfg.train().dtype().equals("float64") ? 8 : 4, trainsBase);
    }

    private Result train() throws IOException {
        TrainConfig cfg = run.config();
        TrainingConfig t = cfg.train();
        int batch = t.microBatchSize();
        int seqLen = t.seqLen();
        int micro = t.accumulationSteps();
        long totalSteps = t.totalSteps();
        Files.createDirectories(run.runDir());
        Checkpoints checkpoints = new Checkpoints(run.runDir(), cfg.checkpoint().keepLast());
        LrSchedule schedule = LrSchedule.of(cfg.optim(), totalSteps);
        DataType dtype = t.dtype().equals("float64") ? DataType.DOUBLE : DataType.FLOAT;

        memory(run).check(cfg.model(), batch, seqLen, MemoryEstimate.TRAINING_KEYS);
        try (LanguageModel model = factory.create(cfg.model(), batch, seqLen, dtype)) {
            TrainableSet trainable = new TrainableSet(model.layout(), run.trainable());
            AdamW adam = new AdamW(cfg.optim(), trainable, model.params(), model.grads());
            progress.accept(trainable.describe());
            progress.accept(String.format("parameters: %,d trainable of %,d (%.3f%%)", trainable.size(),
                    model.totalParameters(), 100.0 * trainable.size() / model.totalParameters()));

            long step = 0;
            long tokensSeen = 0;
            double loss = Double.NaN;
            DataPosition position = DataPosition.START;
            Path lastCheckpoint = null;
            Optional<Path> from = Optional.empty();
            if (run.resume()) {
                checkpoints.removeUnfinished(progress);
                from = checkpoints.latestValid(model, cfg.model(), progress);
                if (from.isEmpty()) {
                    progress.accept("no valid checkpoint in " + checkpoints.directory() + "; starting from scratch");
                }
            } else if (!checkpoints.list().isEmpty()) {
                throw new IllegalArgumentException("run_dir: " + run.runDir() + " already holds checkpoints; pass "
                        + "--resume to continue that run or choose another --run-dir");
            }
            while (from.isPresent()) {
                model.loadWeights(from.get());
                long bad = NonFinite.count(model.params());
                if (bad == 0) {
                    break;
                }
                Checkpoints.moveAside(from.get(), bad + " of its weights are NaN or infinite (saved by a run that had "
                        + "diverged); trying the previous one", progress);
                from = checkpoints.latestValid(model, cfg.model(), progress);
            }
            if (from.isPresent()) {
                TrainerState state = Checkpoints.readState(from.get());
                if (!state.config().model().equals(cfg.model())) {
                    throw new IllegalArgumentException("model: the checkpoint " + from.get() + " is of "
                            + state.config().model() + " but the config asks for " + cfg.model()
                            + "; resume with the run's saved config");
                }
                if (!state.data().equals(run.data().identity())) {
                    throw new IllegalArgumentException("data: the checkpoint " + from.get() + " was trained on "
                            + state.data() + " but " + run.data().describe() + " has "
                            + run.data().identity() + "; resume with the same --data");
                }
                Checkpoints.loadOptimizer(from.get(), adam);
                step = state.step();
                tokensSeen = state.tokensSeen();
                position = state.dataPosition();
                loss = state.loss();
                lastCheckpoint = from.get();
                progress.accept("resuming from " + from.get() + " at step " + step);
            } else {
                run.init().initialize(model, t.seed());
            }

            double flopsPerStep = (flopsPerToken(cfg.model(), model.totalParameters(),
                    model.trainingFlopsPerParameter(), seqLen) + model.extraFlopsPerToken(seqLen))
                    * t.batchSizeTokens();
            Evaluation.Result val = null;
            try (MetricsLog metrics = MetricsLog.open(run.runDir(), step);
                 BatchSource train = run.data().openTrain(batch, seqLen, cfg.model().vocabSize(), t.seed(),
                         position)) {
                int[] tokens = new int[batch * seqLen];
                int[] targets = new int[batch * seqLen];
                int[] segments = new int[batch * seqLen];
                long startStep = step;
                long startNanos = System.nanoTime();
                // throughput counts training time only: evaluations and checkpoints are not training
                long trainingNanosSinceLog = 0;
                long lastLogStep = step;
                while (step < totalSteps) {
                    long stepStart = System.nanoTime();
                    model.zeroGrads();
                    double lossSum = 0;
                    java.util.Map<String, Double> parts = new java.util.LinkedHashMap<>();
                    for (int m = 0; m < micro; m++) {
                        boolean segmented = train.next(tokens, targets, segments);
                        model.beforeMicroBatch(step, m);
                        float microLoss = model.forward(tokens, targets, batch, seqLen, true,
                                Seeds.derive(t.seed(), step, m), segmented ? segments : null);
                        if (!Float.isFinite(microLoss)) {
                            throw diverged(step + 1, "loss is " + microLoss, lastCheckpoint);
                        }
                        model.backward(1.0f / micro);
                        lossSum += microLoss;
                        model.lossParts().forEach((name, v) -> parts.merge(name, v / micro, Double::sum));
                    }
                    loss = lossSum / micro;
                    double gradNorm = adam.clipGradients();
                    if (!Double.isFinite(gradNorm)) {
                        throw diverged(step + 1, "the gradient norm is " + gradNorm, lastCheckpoint);
                    }
                    double lr = schedule.at(step);
                    adam.step(lr);
                    step++;
                    tokensSeen += t.batchSizeTokens();

                    long now = System.nanoTime();
                    trainingNanosSinceLog += now - stepStart;
                    double seconds = trainingNanosSinceLog / 1e9;
                    double tokensPerSecond = (step - lastLogStep) * t.batchSizeTokens() / seconds;
                    double mfu = run.peakFlopsPerSecond() > 0
                            ? (step - lastLogStep) * flopsPerStep / seconds / run.peakFlopsPerSecond() : Double.NaN;
                    StepMetrics sm = new StepMetrics(step, loss, lr, gradNorm, tokensPerSecond, mfu, parts);
                    onStep.accept(sm);
                    boolean last = step == totalSteps;
                    if (step % cfg.log().every() == 0 || step == 1 || last) {
                        metrics.step(sm);
                        double eta = (now - startNanos) / 1e9 / (step - startStep) * (totalSteps - step);
                        progress.accept(progressLine(sm, totalSteps, eta));
                        trainingNanosSinceLog = 0;
                        lastLogStep = step;
                    }
                    if ((cfg.eval().every() > 0 && step % cfg.eval().every() == 0) || last) {
                        val = evaluate(model, cfg, metrics, step);
                    }
                    if ((cfg.checkpoint().every() > 0 && step % cfg.checkpoint().every() == 0) || last) {
                        long bad = NonFinite.count(model.params());
                        if (bad > 0) {
                            throw diverged(step, bad + " weights are NaN or infinite after the update, so no "
                                    + "checkpoint was saved", lastCheckpoint);
                        }
                        TrainerState state = new TrainerState(step, tokensSeen, train.position(),
                                run.data().identity(), t.seed(), adam.stepsTaken(), loss, cfg);
                        lastCheckpoint = checkpoints.save(state, model, adam, run.eosTokenId(), run.tokenizerJson());
                        progress.accept("checkpoint " + lastCheckpoint);
                    }
                }
                if (step == startStep) {
                    progress.accept("nothing to do: the run already completed " + step + " of " + totalSteps + " steps");
                }
            }
            return new Result(step, loss, val, lastCheckpoint);
        }
    }

    private Evaluation.Result evaluate(LanguageModel model, TrainConfig cfg, MetricsLog metrics, long step)
            throws IOException {
        if (!run.data().hasValidation()) {
            if (step == cfg.eval().every() || step == cfg.train().totalSteps()) {
                progress.accept("no validation data in " + run.data().describe() + "; skipping evaluation");
            }
            return null;
        }
        try (BatchSource val = run.data().openValidation(cfg.train().microBatchSize(), cfg.train().seqLen(),
                cfg.model().vocabSize())) {
            Evaluation.Result r = Evaluation.run(model, val, run.data().evalSteps(cfg.eval().steps(), val));
            metrics.eval(step, r);
            progress.accept(String.format("step %d | val loss %.4f | val ppl %.2f", step, r.loss(), r.perplexity()));
            return r;
        }
    }

    private TrainingDivergedException diverged(long step, String what, Path lastCheckpoint) {
        return new TrainingDivergedException("step " + step + ": " + what + "; training stopped. "
                + (lastCheckpoint == null ? "No checkpoint was written yet. "
                : "The last good checkpoint is " + lastCheckpoint + ". ")
                + "Lower optim.lr, lengthen optim.warmup_steps or set optim.grad_clip, then "
                + (lastCheckpoint == null ? "start again." : "rerun with --resume."));
    }

    static String progressLine(StepMetrics m, long totalSteps, double etaSeconds) {
        long eta = Math.round(etaSeconds);
        StringBuilder parts = new StringBuilder();
        m.parts().forEach((name, v) -> parts.append(String.format(" (%s %.4f)", name, v)));
        return String.format("step %d/%d | loss %.4f%s | lr %.2e | grad norm %.3f | %,.0f tok/s | MFU %s | ETA %d:%02d:%02d",
                m.step(), totalSteps, m.loss(), parts, m.lr(), m.gradNorm(), m.tokensPerSecond(),
                Double.isFinite(m.mfu()) ? String.format("%.1f%%", 100 * m.mfu()) : "n/a",
                eta / 3600, eta / 60 % 60, eta % 60);
    }
}
