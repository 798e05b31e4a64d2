package ai.stratum.data.run;

import ai.stratum.data.Document;
import ai.stratum.data.Reject;
import ai.stratum.data.StepStats;
import ai.stratum.data.dedup.DocSignature;
import ai.stratum.io.AtomicFiles;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The formats of the intermediate files under {@code work/} that pass a split from one stage to the next, and of
 * {@code rejects/}. Every executor reads and writes them through here, so a run started by one executor can be
 * resumed by another.
 */
public final class WorkFiles {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final ObjectMapper JSON_LINE = new ObjectMapper();

    private WorkFiles() {
    }

    // ---------------------------------------------------------------- documents (work/filter/NNNNNN.docs.jsonl)

    static void writeDocument(OutputStream out, Document doc) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", doc.id());
        m.put("source", doc.source());
        m.put("text", doc.text());
        m.put("metadata", doc.metadata());
        out.write(JSON_LINE.writeValueAsBytes(m));
        out.write('\n');
    }

    static Document readDocument(String line) throws IOException {
        Map<String, Object> m = JSON_LINE.readValue(line, new TypeReference<Map<String, Object>>() { });
        @SuppressWarnings("unchecked")
        Map<String, String> meta = (Map<String, String>) m.get("metadata");
        return new Document((String) m.get("id"), (String) m.get("text"), (String) m.get("source"),
                meta == null ? null : new TreeMap<>(meta));
    }

    // ---------------------------------------------------------------- rejects (rejects/*.jsonl)

    static void writeReject(OutputStream out, Reject r, boolean withText) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("source", r.source());
        m.put("step", r.step());
        m.put("reason", r.reason());
        m.put("detail", r.detail());
        if (withText) {
            m.put("text", r.text());
        }
        try {
            out.write(JSON_LINE.writeValueAsBytes(m));
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- signatures (work/filter/NNNNNN.sig)

    static void writeSignature(DataOutputStream out, DocSignature s) throws IOException {
        writeString(out, s.id());
        out.writeLong(s.exactHi());
        out.writeLong(s.exactLo());
        if (s.bands() == null) {
            out.writeByte(0);
        } else {
            out.writeByte(s.bands().length);
            for (long b : s.bands()) {
                out.writeLong(b);
            }
        }
    }

    /** The signatures of one split, in document order; keys are {@code (split, ordinal)}. */
    public static List<DocSignature> readSignatures(Path file, int split) throws IOException {
        List<DocSignature> out = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            for (int i = 0; ; i++) {
                String id;
                try {
                    id = readString(in);
                } catch (EOFException e) {
                    return out;
                }
                long hi = in.readLong();
                long lo = in.readLong();
                int nBands = in.readUnsignedByte();
                long[] bands = null;
                if (nBands > 0) {
                    bands = new long[nBands];
                    for (int b = 0; b < nBands; b++) {
                        bands[b] = in.readLong();
                    }
                }
                out.add(new DocSignature(DocSignature.key(split, i), id, hi, lo, bands));
            }
        }
    }

    // ---------------------------------------------------------------- removals (work/dedup/NNNNNN.removed)

    /** A document dedup removed: its ordinal in its split, why, and the id of the document kept in its place. */
    public record Removed(int ordinal, String reason, String keptId) implements java.io.Serializable {
    }

    /** Writes one split's removals (sorted by ordinal) atomically. */
    public static void writeRemoved(Path file, List<Removed> removed) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        for (Removed r : removed) {
            out.writeInt(r.ordinal());
            writeString(out, r.reason());
            writeString(out, r.keptId());
        }
        out.flush();
        AtomicFiles.writeBytes(file, bytes.toByteArray());
    }

    static Map<Integer, Removed> readRemoved(Path file) throws IOException {
        Map<Integer, Removed> out = new java.util.HashMap<>();
        if (!Files.exists(file)) {
            return out;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            while (true) {
                int index;
                try {
                    index = in.readInt();
                } catch (EOFException e) {
                    return out;
                }
                out.put(index, new Removed(index, readString(in), readString(in)));
            }
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        return new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- per-unit stats (work/*/NNNNNN.stats.json)

    public static void writeStats(Path file, List<StepStats> stats) throws IOException {
        List<Map<String, Object>> list = new ArrayList<>();
        for (StepStats s : stats) {
            list.add(s.toMap());
        }
        AtomicFiles.writeString(file, JSON.writeValueAsString(list));
    }

    static List<StepStats> readStats(Path file) throws IOException {
        List<Map<String, Object>> list = JSON.readValue(file.toFile(), new TypeReference<>() { });
        List<StepStats> out = new ArrayList<>();
        for (Map<String, Object> m : list) {
            out.add(StepStats.fromMap(m));
        }
        return out;
    }
}
