package ai.stratum.train.distill;

import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import ai.stratum.train.DecoderModel;
import ai.stratum.train.LanguageModel;
import ai.stratum.train.LoraModel;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A student as the trainer sees it while it is distilled: every call goes to the student (a {@link DecoderModel}
 * or a {@link LoraModel}), except that a training forward first readies the teacher for the micro-batch (its
 * decoder run once to the final hidden states, or its cached block read) and puts {@link DistillHead} into the
 * student's LM head, so the loss of each head chunk is {@link DistillationLoss} against the teacher's rows for
 * that chunk. Evaluation (a forward that is not training) is plain cross-entropy: held-out losses of distilled and
 * plain runs compare directly. Checkpoints are the student's alone.
 */
public final class DistillModel implements LanguageModel {

    /** The logged parts of the loss: the hard-label cross-entropy and KL(teacher_T || student_T), per row. */
    public static final String CE = "loss_ce";
    public static final String KL = "loss_kl";
    /** A teacher block's logits stay under this many bytes of floats (and so do the student's heap copies). */
    public static final long BLOCK_BYTES = 32L << 20;

    private final LanguageModel student;
    private final Decoder decoder;
    private final TeacherSource teacher;
    private final DistillHead head;
    private final int microSteps;
    private final long rowsPerMicroBatch;
    private long firstRow;
    private Map<String, Double> parts = Map.of();

    /**
     * @param student           the student; this model closes it
     * @param teacher           the teacher's side; this model closes it
     * @param microSteps        micro-batches per optimizer step (the row stream's stride)
     * @param rowsPerMicroBatch B * T of the run
     */
    DistillModel(LanguageModel student, TeacherSource teacher, DistillationLoss loss, int microSteps,
                 long rowsPerMicroBatch) {
        this.student = student;
        this.decoder = decoderOf(student);
        this.teacher = teacher;
        this.head = new DistillHead(loss, teacher, student.config().vocabSize());
        this.microSteps = microSteps;
        this.rowsPerMicroBatch = rowsPerMicroBatch;
    }

    /**
     * A student distilled from a live teacher.
     *
     * @param teacher   the teacher decoder (weights loaded, built for the run's B and T, no gradients); closed with
     *                  this model
     * @param topK      0: the dense teacher; k: each row's k largest teacher logits
     * @param blockRows rows per teacher block, 0 for the default budget ({@link #BLOCK_BYTES})
     */
    public static DistillModel live(LanguageModel student, Decoder teacher, DistillationLoss loss, int topK,
                                    int microSteps, int batch, int seqLen, int blockRows) {
        checkVocab(student, teacher.config().vocabSize());
        long rows = (long) batch * seqLen;
        int block = blockRows > 0 ? blockRows : LiveTeacher.blockRows(rows, teacher.config().vocabSize(), BLOCK_BYTES);
        return new DistillModel(student, new LiveTeacher(teacher, topK, block), loss, microSteps, rows);
    }

    /** A student distilled from the top-k teacher logits in a cache directory built for this run. */
    public static DistillModel cached(LanguageModel student, Path cacheDir, DistillationLoss loss, int topK,
                                      int microSteps, int batch, int seqLen, int blockRows) {
        long rows = (long) batch * seqLen;
        int vocab = student.config().vocabSize();
        int block = blockRows > 0 ? blockRows : LiveTeacher.blockRows(rows, vocab, BLOCK_BYTES);
        return new DistillModel(student, new CachedTeacher(cacheDir, topK, vocab, block), loss, microSteps, rows);
    }

    private static void checkVocab(LanguageModel student, int teacherVocab) {
        if (teacherVocab != student.config().vocabSize()) {
            throw new IllegalArgumentException("vocab_size: the teacher has " + teacherVocab + " ids but the student "
                    + student.config().vocabSize() + "; teacher and student must share a tokenizer");
        }
    }

    /** The decoder whose LM head computes the student's loss. */
    static Decoder decoderOf(LanguageModel model) {
        if (model instanceof DecoderModel d) {
            return d.decoder();
        }
        if (model instanceof LoraModel l) {
            return l.base();
        }
        throw new IllegalArgumentException("student: a DecoderModel or a LoraModel, got " + model.getClass());
    }

    public LanguageModel student() {
        return student;
    }

    @Override
    public void beforeMicroBatch(long step, int microStep) {
        firstRow = (step * microSteps + microStep) * rowsPerMicroBatch;
    }

    @Override
    public float forward(int[] tokens, int[] targets, int batch, int seqLen, boolean training, long dropoutSeed,
                         int[] segmentIds) {
        if (!training || targets == null) {
            decoder.setLoss(null);
            parts = Map.of();
            return student.forward(tokens, targets, batch, seqLen, training, dropoutSeed, segmentIds);
        }
        try {
            teacher.begin(firstRow, tokens, batch, seqLen, segmentIds);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        head.reset();
        decoder.setLoss(head);
        float loss = student.forward(tokens, targets, batch, seqLen, true, dropoutSeed, segmentIds);
        DistillationLoss.Sums s = head.sums();
        Map<String, Double> p = new LinkedHashMap<>();
        p.put(CE, s.rows() == 0 ? 0.0 : s.crossEntropy() / s.rows());
        p.put(KL, s.rows() == 0 ? 0.0 : s.kl() / s.rows());
        parts = Collections.unmodifiableMap(p);
        return loss;
    }

    /** The last training forward's loss parts: {@value #CE} and {@value #KL}, means over its rows with a target. */
    @Override
    public Map<String, Double> lossParts() {
        return parts;
    }

    /** The last training forward's summed loss and parts over its rows, in double (gradient checks). */
    DistillationLoss.Sums lastSums() {
        return head.sums();
    }

    @Override
    public void backward(float lossScale) {
        student.backward(lossScale);
    }

    @Override
    public ModelConfig config() {
        return student.config();
    }

    @Override
    public ParameterLayout layout() {
        return student.layout();
    }

    @Override
    public INDArray params() {
        return student.params();
    }

    @Override
    public INDArray grads() {
        return student.grads();
    }

    @Override
    public void initWeights(long seed) {
        student.initWeights(seed);
    }

    @Override
    public long totalParameters() {
        return student.totalParameters();
    }

    @Override
    public double trainingFlopsPerParameter() {
        return student.trainingFlopsPerParameter();
    }

    /** A live teacher's forward; nothing for a cached one. */
    @Override
    public double extraFlopsPerToken(int seqLen) {
        return teacher.flopsPerToken(seqLen);
    }

    @Override
    public void zeroGrads() {
        student.zeroGrads();
    }

    @Override
    public void saveWeights(Path dir, int eosTokenId) throws IOException {
        student.saveWeights(dir, eosTokenId);
    }

    @Override
    public void validateWeights(Path dir) throws IOException {
        student.validateWeights(dir);
    }

    @Override
    public void loadWeights(Path dir) throws IOException {
        student.loadWeights(dir);
    }

    @Override
    public void close() {
        try {
            teacher.close();
        } finally {
            student.close();
        }
    }
}
