package ai.stratum.train.distill;

/**
 * The {@code distill:} section of a distillation run.
 *
 * @param temperature  T of the soft term, positive (2 is Hinton et al.'s usual choice)
 * @param alpha        weight of the hard-label cross-entropy in [0, 1]; the soft term has 1 - alpha
 * @param topK         0: the dense teacher (every logit, run live per micro-batch); k >= 1: only each row's k largest
 *                     teacher logits, renormalized (live, or read from {@code teacherCache})
 * @param teacherCache a directory for the teacher's top-k logits ({@link TeacherCache} blocks), written by a first
 *                     pass over the training data and read instead of running the teacher; null runs it live
 */
public record DistillSettings(double temperature, double alpha, int topK, String teacherCache) {

    public DistillSettings {
        new DistillationLoss(temperature, alpha); // validates both, naming the key
        if (topK < 0) {
            throw new IllegalArgumentException("top_k: must be 0 (the dense teacher) or a positive k, got " + topK);
        }
        if (teacherCache != null && teacherCache.isBlank()) {
            throw new IllegalArgumentException("teacher_cache: empty; give a directory or null to run the teacher "
                    + "live");
        }
        if (teacherCache != null && topK == 0) {
            throw new IllegalArgumentException("teacher_cache: the cache holds each row's top-k teacher logits; set "
                    + "distill.top_k (e.g. 32, or the vocabulary size for every logit)");
        }
    }

    public DistillationLoss loss() {
        return new DistillationLoss(temperature, alpha);
    }
}
