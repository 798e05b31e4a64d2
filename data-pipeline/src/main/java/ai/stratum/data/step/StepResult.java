package ai.stratum.data.step;

import ai.stratum.data.Document;

/** What a step decided about one document: keep it (possibly rewritten) or drop it with a reason. */
public sealed interface StepResult {
    record Keep(Document doc) implements StepResult {
    }

    /** @param reason a short machine-readable reason; {@code detail} a human one (may be empty) */
    record Drop(String reason, String detail) implements StepResult {
    }

    static StepResult keep(Document doc) {
        return new Keep(doc);
    }

    static StepResult drop(String reason) {
        return new Drop(reason, "");
    }

    static StepResult drop(String reason, String detail) {
        return new Drop(reason, detail);
    }
}
