package ai.stratum.train.metrics;

import ai.stratum.train.Evaluation;
import ai.stratum.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code metrics.jsonl}: one JSON object per line, each with a {@code step}. Training lines carry
 * {@code loss, lr, grad_norm, tokens_per_s, mfu} (a distillation run also {@code loss_ce, loss_kl} after
 * {@code loss}); evaluation lines {@code val_loss, val_ppl}.
 */
public final class MetricsLog implements AutoCloseable {

    public static final String FILE = "metrics.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Writer out;

    private MetricsLog(Path file, Writer out) {
        this.file = file;
        this.out = out;
    }

    /**
     * Opens the run's log for appending after dropping lines beyond {@code keepThroughStep}: a resumed run
     * rewrites the steps that the interrupted run did after its last checkpoint.
     */
    public static MetricsLog open(Path runDir, long keepThroughStep) throws IOException {
        Path file = runDir.resolve(FILE);
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory but must be the run's metrics log; move it away");
        }
        if (Files.exists(file)) {
            List<String> kept = new ArrayList<>();
            for (String line : lines(file, false)) {
                if (line == null || line.isBlank()) {
                    // a line cut short by a kill, or one with a byte that is not UTF-8: not a metrics line
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (IOException e) {
                    // The last line of a killed run may be cut short; everything before it is whole.
                    continue;
                }
                if (node.path("step").asLong(Long.MAX_VALUE) <= keepThroughStep) {
                    kept.add(line);
                }
            }
            AtomicFiles.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
        }
        return new MetricsLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND));
    }

    /**
     * The file's lines, each decoded as strict UTF-8 on its own. A line that is not UTF-8 is an error naming the
     * file, line and byte when {@code strict}, else null.
     */
    static List<String> lines(Path file, boolean strict) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        List<String> out = new ArrayList<>();
        var decoder = StandardCharsets.UTF_8.newDecoder();
        int start = 0;
        for (int lineNo = 1; start < bytes.length; lineNo++) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            try {
                out.add(decoder.decode(java.nio.ByteBuffer.wrap(bytes, start, end - start)).toString());
            } catch (java.nio.charset.CharacterCodingException e) {
                if (strict) {
                    throw new IOException(file + ":" + lineNo + ": not valid UTF-8 (a damaged line, from byte "
                            + start + "); delete that line or restore the file", e);
                }
                out.add(null);
            }
            start = end + 1;
        }
        return out;
    }

    public void step(StepMetrics m) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("step", m.step());
        n.put("loss", m.loss());
        m.parts().forEach(n::put);
        n.put("lr", m.lr());
        n.put("grad_norm", m.gradNorm());
        n.put("tokens_per_s", m.tokensPerSecond());
        if (Double.isFinite(m.mfu())) {
            n.put("mfu", m.mfu());
        } else {
            n.putNull("mfu");
        }
        write(n);
    }

    public void eval(long step, Evaluation.Result r) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("step", step);
        n.put("val_loss", r.loss());
        n.put("val_ppl", r.perplexity());
        write(n);
    }

    private void write(ObjectNode n) throws IOException {
        try {
            out.write(JSON.writeValueAsString(n));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw AtomicFiles.named(file, e);
        }
    }

    /** Reads every line of a run's {@code metrics.jsonl}. */
    public static List<JsonNode> read(Path runDir) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        Path file = runDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": not found; is " + runDir + " a run directory (--run-dir of pretrain)?");
        }
        int lineNumber = 0;
        for (String line : lines(file, true)) {
            lineNumber++;
            if (!line.isBlank()) {
                try {
                    out.add(JSON.readTree(line));
                } catch (IOException e) {
                    throw new IOException(file + ":" + lineNumber + ": not a JSON object: " + e.getMessage(), e);
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
