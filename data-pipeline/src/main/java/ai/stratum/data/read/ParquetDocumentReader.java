package ai.stratum.data.read;

import ai.stratum.data.Document;
import ai.stratum.data.Reject;
import ai.stratum.data.StepStats;
import blue.strategic.parquet.Hydrator;
import blue.strategic.parquet.HydratorSupplier;
import blue.strategic.parquet.ParquetReader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Parquet files with a string text column (parquet-floor: parquet without Hadoop). Only the text, id and
 * {@code url} columns are read. A row whose text is null or empty is rejected ({@code missing_text_field},
 * {@code empty_text}); a file without the text column is an error naming the file and the columns it has.
 */
public final class ParquetDocumentReader implements DocumentReader {
    private final String textColumn;
    private final String idColumn;

    public ParquetDocumentReader(String textColumn, String idColumn) {
        if (textColumn == null || textColumn.isBlank()) {
            throw new IllegalArgumentException("text_field: must name the Parquet column holding the text");
        }
        this.textColumn = textColumn;
        this.idColumn = idColumn == null || idColumn.isBlank() ? "id" : idColumn;
    }

    @Override
    public String name() {
        return "read_parquet";
    }

    @Override
    public void read(Path file, String source, DocumentSink sink, StepStats stats) throws IOException {
        String label = file.getFileName().toString();
        var schema = ParquetReader.readMetadata(file.toFile()).getFileMetaData().getSchema();
        if (!schema.containsField(textColumn)) {
            throw new IOException(file + ": no column '" + textColumn + "'; columns are "
                    + schema.getFields().stream().map(f -> f.getName()).toList()
                    + " (set the input's text_field)");
        }
        List<String> columns = Stream.of(textColumn, idColumn, "url").filter(schema::containsField).toList();
        HydratorSupplier<Map<String, Object>, Map<String, Object>> rows = HydratorSupplier.constantly(new Hydrator<>() {
            @Override
            public Map<String, Object> start() {
                return new HashMap<>();
            }

            @Override
            public Map<String, Object> add(Map<String, Object> row, String heading, Object value) {
                row.put(heading, value);
                return row;
            }

            @Override
            public Map<String, Object> finish(Map<String, Object> row) {
                return row;
            }
        });
        long[] rowNumber = {0};
        try (Stream<Map<String, Object>> stream = ParquetReader.streamContent(file.toFile(), rows, columns)) {
            stream.forEach(row -> {
                rowNumber[0]++;
                String where = label + ":row " + rowNumber[0];
                Object idValue = row.get(idColumn);
                String id = idValue == null ? label + ":" + rowNumber[0] : asString(idValue);
                Object text = row.get(textColumn);
                stats.in(text == null ? 0 : ai.stratum.data.Utf8.length(asString(text)));
                if (text == null) {
                    stats.dropped("missing_text_field");
                    sink.reject(new Reject(id, source, name(), "missing_text_field",
                            where + ": column '" + textColumn + "' is null", ""));
                    return;
                }
                String value = asString(text);
                if (value.isEmpty()) {
                    stats.dropped("empty_text");
                    sink.reject(new Reject(id, source, name(), "empty_text", where, ""));
                    return;
                }
                TreeMap<String, String> meta = new TreeMap<>();
                if (row.get("url") != null) {
                    meta.put("url", asString(row.get("url")));
                }
                Document doc = new Document(id, value, source, meta);
                stats.kept(doc.utf8Length());
                sink.accept(doc);
            });
        }
        if (rowNumber[0] == 0) {
            stats.count("empty_files", 1);
        }
    }

    private static String asString(Object value) {
        if (value instanceof byte[] bytes) {
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        }
        return String.valueOf(value);
    }
}
