package ai.stratum.data.run;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a run's {@code stats.json}: a per-step table (documents in, kept, dropped, top reasons, MB, MB per
 * CPU-second), then the kept documents per source and per score bucket ({@link DocumentOutputs} counts them).
 */
public final class StatsTable {
    private StatsTable() {
    }

    public static String render(Path outDir) throws IOException {
        Path file = outDir.resolve("stats.json");
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null,
                    "not an output directory of 'stratum data prepare' (or the run has not finished)");
        }
        JsonNode root = WorkFiles.JSON.readTree(file.toFile());
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-18s %10s %10s %10s %10s %9s  %s%n", "step", "in", "kept", "dropped",
                "MB in", "MB/cpu-s", "top drop reasons"));
        for (JsonNode s : root.get("steps")) {
            long dropped = 0;
            List<Map.Entry<String, Long>> reasons = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = s.get("dropped").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                dropped += e.getValue().asLong();
                reasons.add(Map.entry(e.getKey(), e.getValue().asLong()));
            }
            reasons.sort((a, b) -> b.getValue().equals(a.getValue()) ? a.getKey().compareTo(b.getKey())
                    : Long.compare(b.getValue(), a.getValue()));
            StringBuilder top = new StringBuilder();
            for (int i = 0; i < Math.min(3, reasons.size()); i++) {
                top.append(i == 0 ? "" : ", ").append(reasons.get(i).getKey()).append(' ')
                        .append(reasons.get(i).getValue());
            }
            double mb = s.get("bytes_in").asLong() / 1e6;
            double seconds = s.get("seconds").asDouble();
            sb.append(String.format(Locale.ROOT, "%-18s %10d %10d %10d %10.1f %9s  %s%n", s.get("name").asText(),
                    s.get("documents_in").asLong(), s.get("kept").asLong(), dropped, mb,
                    seconds > 0 && mb > 0 ? String.format(Locale.ROOT, "%.1f", mb / seconds) : "-", top));
        }
        sb.append(keptDocuments(root));
        JsonNode a = root.get("accounting");
        sb.append(String.format(Locale.ROOT, "input records %d = output documents %d + rejected %d: %s%n",
                a.get("input_records").asLong(), a.get("output_documents").asLong(), a.get("rejected").asLong(),
                a.get("balanced").asBoolean() ? "balanced" : "NOT BALANCED"));
        return sb.toString();
    }

    /** Kept documents per source, then for each score (a numeric metadata value) the count per bucket. */
    private static String keptDocuments(JsonNode root) {
        JsonNode tokenize = null;
        for (JsonNode s : root.get("steps")) {
            if (s.get("name").asText().equals("tokenize")) {
                tokenize = s;
            }
        }
        if (tokenize == null) {
            return "";
        }
        Map<String, Long> sources = new java.util.TreeMap<>();
        Map<String, Map<String, Long>> scores = new java.util.TreeMap<>();
        Map<String, Map<String, Long>> labels = new java.util.TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = tokenize.get("counters").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            if (k.startsWith(DocumentOutputs.SOURCE)) {
                sources.put(k.substring(DocumentOutputs.SOURCE.length()), e.getValue().asLong());
            } else if (k.startsWith(DocumentOutputs.LABEL)) {
                String rest = k.substring(DocumentOutputs.LABEL.length());
                for (String key : DocumentOutputs.LABELS) {
                    if (rest.startsWith(key + ".")) {
                        labels.computeIfAbsent(key, x -> new java.util.TreeMap<>())
                                .put(rest.substring(key.length() + 1), e.getValue().asLong());
                    }
                }
            } else if (k.startsWith(DocumentOutputs.SCORE)) {
                String rest = k.substring(DocumentOutputs.SCORE.length());
                int dot = bucketStart(rest);
                scores.computeIfAbsent(rest.substring(0, dot), x -> new java.util.TreeMap<>(StatsTable::byLow))
                        .put(rest.substring(dot + 1), e.getValue().asLong());
            }
        }
        StringBuilder sb = new StringBuilder();
        if (!sources.isEmpty()) {
            sb.append("kept documents by source:");
            sources.forEach((k, v) -> sb.append(' ').append(k).append(' ').append(v));
            sb.append(String.format("%n"));
        }
        labels.forEach((key, values) -> {
            sb.append("kept documents by ").append(key).append(':');
            values.forEach((v, n) -> sb.append(' ').append(v).append(' ').append(n));
            sb.append(String.format("%n"));
        });
        scores.forEach((key, buckets) -> {
            sb.append("kept documents by ").append(key).append(':');
            buckets.forEach((b, n) -> sb.append(' ').append(b).append(' ').append(n));
            sb.append(String.format("%n"));
        });
        return sb.toString();
    }

    /** Where the bucket ({@code 0.9-1.0}, {@code -3--2}) starts in {@code <key>.<bucket>}: keys may hold dots. */
    private static int bucketStart(String keyAndBucket) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\.([0-9]\\.[0-9]-[0-9]\\.[0-9]|-?[0-9]+--?[0-9]+)$").matcher(keyAndBucket);
        if (!m.find()) {
            throw new IllegalArgumentException("stats.json: a score counter without a bucket: " + keyAndBucket);
        }
        return m.start();
    }

    /** Buckets in numeric order of their lower bound. */
    private static int byLow(String a, String b) {
        return Double.compare(low(a), low(b));
    }

    private static double low(String bucket) {
        int dash = bucket.indexOf('-', 1);
        return Double.parseDouble(bucket.substring(0, dash));
    }
}
