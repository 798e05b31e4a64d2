package ai.stratum.data;

import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One document flowing through the pipeline.
 *
 * @param id       stable identifier: the input's own id (JSONL {@code id}, WARC-Record-ID) or {@code file:line}
 * @param text     the document text
 * @param source   the name of the input source it came from (the recipe's input name); mixing weights use it
 * @param metadata extra fields kept beside the text ({@code url}, {@code language}, ...), sorted by key so that
 *                 serialized output never depends on hash order
 */
public record Document(String id, String text, String source, SortedMap<String, String> metadata) {
    public Document {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(source, "source");
        metadata = metadata == null ? new TreeMap<>() : new TreeMap<>(metadata);
    }

    public Document(String id, String text, String source) {
        this(id, text, source, null);
    }

    public Document withText(String newText) {
        return new Document(id, newText, source, metadata);
    }

    public Document withMetadata(String key, String value) {
        TreeMap<String, String> copy = new TreeMap<>(metadata);
        copy.put(key, value);
        return new Document(id, text, source, copy);
    }

    /** UTF-8 length of the text, the unit of every byte counter. */
    public long utf8Length() {
        return Utf8.length(text);
    }

    @Override
    public SortedMap<String, String> metadata() {
        return java.util.Collections.unmodifiableSortedMap(metadata);
    }

}
