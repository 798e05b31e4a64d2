package ai.stratum.data.run;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.read.Compression;
import ai.stratum.io.AtomicFiles;
import blue.strategic.parquet.ParquetWriter;
import com.fasterxml.jackson.core.type.TypeReference;
import com.github.luben.zstd.ZstdOutputStream;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

import java.io.BufferedReader;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The kept documents beside the token shards, as {@code output.documents} asks, one file per input split under
 * {@code documents/}, each written atomically with its split's unit of work (so a resumed run neither loses
 * nor repeats one):
 *
 * <ul>
 *   <li>{@code <name>-NNNNNN.jsonl} or {@code .jsonl.zst}: one line per kept document, written by
 *       {@link TokenizeStage}: {@code {"id", "source", "text", "split", "copies", "metadata": {...}}}, the text
 *       as it went into the shards (after PII redaction), {@code metadata} every label and score the steps
 *       attached (url, language, language_score, ...);</li>
 *   <li>{@code <name>-NNNNNN.parquet}: the same rows, with one optional string column per metadata key that any
 *       kept document of the run has (so every file has the same schema), written in the {@code documents}
 *       phase once every split is tokenized.</li>
 * </ul>
 *
 * <p>It also counts, into the {@code tokenize} step's counters, kept documents per source
 * ({@code kept_source.<source>}), per metadata key ({@code metadata.<key>}), per score bucket
 * ({@code score.<key>.<bucket>}) and per value of a label with few values ({@link #LABELS}:
 * {@code label.<key>.<value>}) for {@code stratum data stats}.
 */
public final class DocumentOutputs {
    static final String SOURCE = "kept_source.";
    static final String METADATA = "metadata.";
    static final String SCORE = "score.";
    static final String LABEL = "label.";
    /** Metadata keys whose values are labels from a small set (a quality scorer's bucket), counted per value. */
    static final List<String> LABELS = List.of(ai.stratum.data.quality.QualityStep.LABEL);
    private static final List<String> FIXED = List.of("id", "source", "text", "split", "copies");

    private final RunContext ctx;
    private final List<String> formats;

    DocumentOutputs(RunContext ctx) {
        this.ctx = ctx;
        this.formats = ctx.recipe.output().documents();
    }

    boolean enabled() {
        return !formats.isEmpty();
    }

    public boolean parquet() {
        return formats.contains("parquet");
    }

    /** The JSONL a split's kept documents go to: the requested output, or a work file for Parquet alone. */
    private Path jsonl(int split) {
        String name = ctx.recipe.output().name() + "-" + InputSplit.stem(split);
        if (formats.contains("jsonl")) {
            return ctx.out.resolve("documents").resolve(name + ".jsonl");
        }
        if (formats.contains("jsonl.zst")) {
            return ctx.out.resolve("documents").resolve(name + ".jsonl.zst");
        }
        return ctx.workFile("tokens", InputSplit.stem(split) + ".kept.jsonl");
    }

    Path parquetFile(int split) {
        return ctx.out.resolve("documents").resolve(ctx.recipe.output().name() + "-" + InputSplit.stem(split)
                + ".parquet");
    }

    /** One kept document as a JSONL line. */
    static void writeKept(OutputStream out, Document doc, String split, int copies) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", doc.id());
        m.put("source", doc.source());
        m.put("text", doc.text());
        m.put("split", split);
        m.put("copies", copies);
        m.put("metadata", doc.metadata());
        out.write(WorkFiles.JSON_LINE.writeValueAsBytes(m));
        out.write('\n');
    }

    /** Counts a kept document by source, metadata key and score bucket. */
    static void count(StepStats tokenize, Document doc) {
        tokenize.count(SOURCE + doc.source(), 1);
        for (Map.Entry<String, String> e : doc.metadata().entrySet()) {
            tokenize.count(METADATA + e.getKey(), 1);
            if (LABELS.contains(e.getKey())) {
                tokenize.count(LABEL + e.getKey() + "." + e.getValue(), 1);
                continue;
            }
            String bucket = scoreBucket(e.getValue());
            if (bucket != null) {
                tokenize.count(SCORE + e.getKey() + "." + bucket, 1);
            }
        }
    }

    /**
     * The bucket of a score: tenths for values in [0, 1] ({@code 0.9-1.0} holds 1.0), whole numbers beyond
     * ({@code 3-4}); null for a value that is not a finite number (a label such as a URL or a language code).
     */
    static String scoreBucket(String value) {
        if (value.isEmpty() || value.length() > 32 || !(Character.isDigit(value.charAt(0))
                || value.charAt(0) == '-' || value.charAt(0) == '.')) {
            return null;
        }
        double v;
        try {
            v = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            return null;
        }
        if (!Double.isFinite(v)) {
            return null;
        }
        if (v >= 0 && v <= 1) {
            int tenth = Math.min(9, (int) Math.floor(v * 10));
            return String.format(Locale.ROOT, "%.1f-%.1f", tenth / 10.0, (tenth + 1) / 10.0);
        }
        long whole = (long) Math.floor(v);
        return whole + "-" + (whole + 1);
    }

    /** Writes a split's kept-document lines; a no-op when no document output is asked for. */
    interface Writer extends AutoCloseable {
        void write(byte[] lines) throws IOException;

        void commit() throws IOException;

        @Override
        void close() throws IOException;
    }

    Writer open(int split) throws IOException {
        if (!enabled()) {
            return new Writer() {
                public void write(byte[] lines) {
                }

                public void commit() {
                }

                public void close() {
                }
            };
        }
        Path target = jsonl(split);
        AtomicFiles.Output file = AtomicFiles.create(target);
        OutputStream raw = file.stream();
        OutputStream kept = new FilterOutputStream(raw) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                raw.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                raw.flush();
            }
        };
        OutputStream stream = target.getFileName().toString().endsWith(".zst") ? new ZstdOutputStream(kept, 3)
                : kept;
        return new Writer() {
            public void write(byte[] lines) throws IOException {
                stream.write(lines);
            }

            public void commit() throws IOException {
                stream.close();
                file.commit();
            }

            public void close() throws IOException {
                file.close();
            }
        };
    }

    /** The metadata keys any kept document of the run has, sorted: the Parquet files' extra columns. */
    public static List<String> metadataKeys(RunStats merged) {
        TreeSet<String> keys = new TreeSet<>();
        for (String counter : merged.step("tokenize").counters().keySet()) {
            if (counter.startsWith(METADATA)) {
                keys.add(counter.substring(METADATA.length()));
            }
        }
        return new ArrayList<>(keys);
    }

    /** The Parquet column of a metadata key (prefixed when it would collide with a fixed column). */
    static String column(String key) {
        return FIXED.contains(key) ? "metadata_" + key : key;
    }

    /**
     * The {@code documents} phase for one split: its kept documents as Parquet, unless Parquet is not asked for
     * or the marker exists.
     */
    public void writeParquet(InputSplit s, List<String> metadataKeys) throws IOException {
        Path done = ctx.done("documents", s.index());
        if (!parquet() || Files.exists(done)) {
            return;
        }
        Types.MessageTypeBuilder schema = Types.buildMessage();
        for (String c : List.of("id", "source", "text", "split")) {
            schema.addField(Types.required(PrimitiveType.PrimitiveTypeName.BINARY)
                    .as(LogicalTypeAnnotation.stringType()).named(c));
        }
        schema.addField(Types.required(PrimitiveType.PrimitiveTypeName.INT32).named("copies"));
        for (String key : metadataKeys) {
            schema.addField(Types.optional(PrimitiveType.PrimitiveTypeName.BINARY)
                    .as(LogicalTypeAnnotation.stringType()).named(column(key)));
        }
        MessageType type = schema.named("document");
        Path target = parquetFile(s.index());
        Files.createDirectories(target.getParent());
        Path tmp = AtomicFiles.uniqueSibling(target.getParent(), "." + target.getFileName(), AtomicFiles.TEMP_SUFFIX);
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(
                Compression.open(jsonl(s.index())),
                StandardCharsets.UTF_8), 1 << 16)) {
            try (ParquetWriter<Map<String, Object>> writer = ParquetWriter.writeFile(type, tmp.toFile(),
                    (row, values) -> {
                        for (Type field : type.getFields()) {
                            Object v = row.get(field.getName());
                            if (v != null) {
                                values.write(field.getName(), v);
                            }
                        }
                    })) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    Map<String, Object> m = WorkFiles.JSON_LINE.readValue(line,
                            new TypeReference<Map<String, Object>>() { });
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (String c : FIXED) {
                        row.put(c, m.get(c));
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, Object> meta = (Map<String, Object>) m.get("metadata");
                    meta.forEach((k, v) -> row.put(column(k), v));
                    writer.write(row);
                }
            }
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            AtomicFiles.moveAtomically(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
        AtomicFiles.writeString(done, "");
        ctx.checkpoint.completed("documents", s.index());
    }
}
