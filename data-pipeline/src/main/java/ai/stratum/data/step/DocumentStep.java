package ai.stratum.data.step;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;

/**
 * A per-document function: keep (possibly rewriting the text) or drop with a reason. Steps hold no state
 * between documents beyond counters, so an executor may run one instance per worker thread, or the same step
 * on a distributed engine. Filters only decide; {@link StepChain} counts and routes what they drop.
 */
public interface DocumentStep {
    /** The step's name in stats and rejects, e.g. {@code gopher_quality}. */
    String name();

    /** @param stats this step's counters, for step-specific extras (lines removed, addresses redacted) */
    StepResult apply(Document doc, StepStats stats);

    /**
     * True for a step that removes lines from the text it keeps (C4's line filter). Dedup signatures are computed
     * on the text as it was before the first such step ({@link StepChain#dedupText()}), so that copies that
     * differ in a few lines or in their wrapping, and lose different lines to the filter, still match, and two
     * pages stripped down to a shared footer do not.
     */
    default boolean editsLines() {
        return false;
    }
}
