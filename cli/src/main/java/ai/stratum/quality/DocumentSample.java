package ai.stratum.quality;

import ai.stratum.data.read.Compression;
import ai.stratum.data.read.JsonlLines;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Documents of a JSONL file ({@code {"id": ..., "text": ...}}, plain or compressed as {@link Compression} reads;
 * the pipeline's {@code documents/*.jsonl} have this shape), all of them or a seeded sample of {@code n}: the
 * {@code n} whose hash of (seed, id) is smallest, returned in file order. The sample depends only on the seed and
 * the ids, not on the order of the lines, so a rerun (or a resumed run) picks the same documents. Ids must be
 * unique; a line without an id is an error naming the file and line.
 */
public final class DocumentSample {
    public record Doc(String id, String text) {
    }

    private DocumentSample() {
    }

    /** @param n documents to sample; 0 = all */
    public static List<Doc> read(Path file, String idField, String textField, int n, long seed) throws IOException {
        if (n < 0) {
            throw new IllegalArgumentException("sample: 0 (all) or a positive count, got " + n);
        }
        List<Doc> all = new ArrayList<>();
        Map<String, Integer> lineOf = new HashMap<>();
        JsonlLines.forEach(file, (lineNo, node) -> {
            JsonNode id = node == null ? null : node.get(idField);
            JsonNode text = node == null ? null : node.get(textField);
            if (id == null || !(id.isTextual() || id.isNumber()) || text == null || !text.isTextual()) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": expected a JSON object with a string "
                        + "'" + textField + "' and an id '" + idField + "' (choose them with --text-field, "
                        + "--id-field)");
            }
            Integer before = lineOf.putIfAbsent(id.asText(), lineNo);
            if (before != null) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": id '" + id.asText() + "' is already on "
                        + "line " + before + "; ids must be unique");
            }
            all.add(new Doc(id.asText(), text.asText()));
        });
        if (n == 0 || n >= all.size()) {
            return all;
        }
        // the n smallest hashes: a max-heap of n (hash, index), ties broken by the index
        PriorityQueue<long[]> heap = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(b[0], a[0])
                : Long.compare(b[1], a[1]));
        for (int i = 0; i < all.size(); i++) {
            long h = hash(seed, all.get(i).id()) >>> 1;
            if (heap.size() < n) {
                heap.add(new long[] {h, i});
            } else if (h < heap.peek()[0]) {
                heap.poll();
                heap.add(new long[] {h, i});
            }
        }
        boolean[] chosen = new boolean[all.size()];
        heap.forEach(e -> chosen[(int) e[1]] = true);
        List<Doc> out = new ArrayList<>(n);
        for (int i = 0; i < all.size(); i++) {
            if (chosen[i]) {
                out.add(all.get(i));
            }
        }
        return out;
    }

    /** FNV-1a over the id's UTF-8 bytes, seeded, then Murmur3's finalizer. */
    static long hash(long seed, String id) {
        long h = 0xCBF29CE484222325L ^ (seed * 0x9E3779B97F4A7C15L);
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x100000001B3L;
        }
        h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
        h = (h ^ (h >>> 33)) * 0xc4ceb93fe53b3f3bL;
        return h ^ (h >>> 33);
    }
}
