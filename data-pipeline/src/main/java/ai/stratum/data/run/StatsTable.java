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

/** Renders a run's {@code stats.json} as a per-step table: documents in, kept, dropped, top reasons, MB, MB per CPU-second. */
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
        JsonNode a = root.get("accounting");
        sb.append(String.format(Locale.ROOT, "input records %d = output documents %d + rejected %d: %s%n",
                a.get("input_records").asLong(), a.get("output_documents").asLong(), a.get("rejected").asLong(),
                a.get("balanced").asBoolean() ? "balanced" : "NOT BALANCED"));
        return sb.toString();
    }
}
