package ai.stratum.data;

import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One document flowing through the pipeline: an immutable value (equality over all four fields). A class rather
 * than a record so that it can remember the UTF-8 length of its text, which every step's byte counters need: a
 * document that only gains metadata keeps it, so the length of a text is computed once, not once per step.
 */
public final class Document {
    private final String id;
    private final String text;
    private final String source;
    private final SortedMap<String, String> metadata;
    /** UTF-8 length of the text, or -1 until asked (a benign race: every thread computes the same value). */
    private int utf8Length;

    /**
     * @param id       stable identifier: the input's own id (JSONL {@code id}, WARC-Record-ID) or {@code file:line}
     * @param text     the document text
     * @param source   the name of the input source it came from (the recipe's input name); mixing weights use it
     * @param metadata extra fields kept beside the text ({@code url}, {@code language}, ...), sorted by key so that
     *                 serialized output never depends on hash order
     */
    public Document(String id, String text, String source, SortedMap<String, String> metadata) {
        this(id, text, source, metadata == null ? new TreeMap<>() : new TreeMap<>(metadata), -1);
    }

    /**
     * A document whose text the caller decoded from {@code utf8Length} bytes of valid UTF-8 (so re-encoding it would
     * give that many bytes again), which spares measuring it.
     */
    public Document(String id, String text, String source, SortedMap<String, String> metadata, long utf8Length) {
        this(id, text, source, metadata == null ? new TreeMap<>() : new TreeMap<>(metadata),
                utf8Length >= 0 && utf8Length <= Integer.MAX_VALUE ? (int) utf8Length : -1);
    }

    public Document(String id, String text, String source) {
        this(id, text, source, null);
    }

    private Document(String id, String text, String source, TreeMap<String, String> metadata, int utf8Length) {
        this.id = Objects.requireNonNull(id, "id");
        this.text = Objects.requireNonNull(text, "text");
        this.source = Objects.requireNonNull(source, "source");
        this.metadata = metadata;
        this.utf8Length = utf8Length;
    }

    public String id() {
        return id;
    }

    public String text() {
        return text;
    }

    public String source() {
        return source;
    }

    public SortedMap<String, String> metadata() {
        return java.util.Collections.unmodifiableSortedMap(metadata);
    }

    public Document withText(String newText) {
        return new Document(id, newText, source, metadata);
    }

    /** A copy with one more metadata field; the text, and so its known UTF-8 length, are shared. */
    public Document withMetadata(String key, String value) {
        TreeMap<String, String> copy = new TreeMap<>(metadata);
        copy.put(key, value);
        return new Document(id, text, source, copy, utf8Length);
    }

    /** UTF-8 length of the text, the unit of every byte counter; computed once per document. */
    public long utf8Length() {
        int n = utf8Length;
        if (n < 0) {
            long len = Utf8.length(text);
            n = len > Integer.MAX_VALUE ? -1 : (int) len;
            if (n < 0) {
                return len;
            }
            utf8Length = n;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Document d && id.equals(d.id) && text.equals(d.text) && source.equals(d.source)
                && metadata.equals(d.metadata);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, text, source, metadata);
    }

    @Override
    public String toString() {
        return "Document[id=" + id + ", text=" + text + ", source=" + source + ", metadata=" + metadata + "]";
    }
}
