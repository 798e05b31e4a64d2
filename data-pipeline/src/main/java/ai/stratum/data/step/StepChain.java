package ai.stratum.data.step;

import ai.stratum.data.CpuClock;
import ai.stratum.data.Document;
import ai.stratum.data.Reject;
import ai.stratum.data.StepStats;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs documents through steps in order, keeping every step's counters (in, kept, dropped by reason, bytes,
 * CPU time) and turning each drop into a {@link Reject}. One chain per worker thread; merge the stats afterwards.
 */
public final class StepChain {
    private final List<DocumentStep> steps;
    private final List<StepStats> stats = new ArrayList<>();
    /** The last kept document's text before the first line-editing step; see {@link #dedupText()}. */
    private String dedupText;

    public StepChain(List<DocumentStep> steps) {
        this.steps = List.copyOf(steps);
        for (DocumentStep s : steps) {
            stats.add(new StepStats(s.name()));
        }
    }

    /** Returns the document after every step, or null if one dropped it (then {@code rejects} got it). */
    public Document apply(Document doc, Consumer<Reject> rejects) {
        long bytes = doc.utf8Length();
        dedupText = null;
        for (int i = 0; i < steps.size(); i++) {
            DocumentStep step = steps.get(i);
            if (dedupText == null && step.editsLines()) {
                dedupText = doc.text();
            }
            StepStats s = stats.get(i);
            s.in(bytes);
            long t0 = CpuClock.nanos();
            StepResult result = step.apply(doc, s);
            s.addNanos(CpuClock.nanos() - t0);
            if (result instanceof StepResult.Drop drop) {
                s.dropped(drop.reason());
                rejects.accept(Reject.of(doc, step.name(), drop.reason(), drop.detail()));
                return null;
            }
            Document next = ((StepResult.Keep) result).doc();
            if (next.text() != doc.text()) {
                bytes = next.utf8Length();
            }
            doc = next;
            s.kept(bytes);
        }
        if (dedupText == null) {
            dedupText = doc.text();
        }
        return doc;
    }

    /**
     * The text dedup signatures of the document {@link #apply} last returned are computed on: its text before
     * the first step that {@linkplain DocumentStep#editsLines() edits lines} (after extraction, normalization and
     * the whole-document filters), or its final text when no such step ran. Measured in
     * NearDuplicateSignatureTest: with line-level filtering, signatures on the final text miss near-copies and
     * merge unrelated e-mails on a shared footer; on this text they do neither.
     */
    public String dedupText() {
        return dedupText;
    }

    public List<StepStats> stats() {
        return stats;
    }
}
