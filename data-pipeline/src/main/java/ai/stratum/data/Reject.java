package ai.stratum.data;

import java.util.Objects;

/**
 * A document (or unreadable input record) that did not make it to the output, with who dropped it and why.
 *
 * @param id       the document id, or {@code file:line} / {@code file@offset} for input that never became a document
 * @param source   the input source name
 * @param step     the step or reader that dropped it
 * @param reason   a short machine-readable reason, e.g. {@code gopher_short_doc}, {@code bad_json}
 * @param detail   human detail (the parser's message, the id of the duplicate kept), may be empty
 * @param text     the text as it was when dropped (empty when the input could not be decoded)
 */
public record Reject(String id, String source, String step, String reason, String detail, String text) {
    public Reject {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(reason, "reason");
        detail = detail == null ? "" : detail;
        text = text == null ? "" : text;
    }

    public static Reject of(Document doc, String step, String reason, String detail) {
        return new Reject(doc.id(), doc.source(), step, reason, detail, doc.text());
    }
}
