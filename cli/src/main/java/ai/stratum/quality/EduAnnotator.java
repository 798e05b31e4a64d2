package ai.stratum.quality;

import ai.stratum.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * FineWeb-Edu-style annotation with a local model: each document goes into a prompt template (its text cut to a
 * token budget) and the model's next-token distribution after the prompt, restricted to the tokens of the digits
 * {@code 0} .. {@code 5} and renormalized, gives the educational score: its expected value {@code sum d * p(d)}
 * (and its argmax, ties to the lower digit).
 *
 * <p>Why the restricted distribution and not a generated answer (FineWeb-Edu let Llama-3-70B write a
 * justification and then a score): one forward per document instead of tens to hundreds of decode steps; the
 * result is a deterministic function of the text (no sampling, no parsing of free text that may name no score);
 * and the expected value is a graded score that keeps the model's uncertainty between two grades, which a
 * regression-like classifier trained on it can use, where a generated digit keeps only its argmax.
 */
public final class EduAnnotator {
    public static final int DIGITS = 6;
    private final ScoringModel model;
    private final PromptTemplate.Encoded prompt;
    private final int textBudget;

    /** One document's result: the expected score, the most probable digit, and the six probabilities. */
    public record Score(double expected, int argmax, double[] probabilities) {
    }

    /**
     * @param maxTextTokens the document's token budget; 0 = whatever the model's window leaves after the template
     */
    public EduAnnotator(ScoringModel model, PromptTemplate template, int maxTextTokens) {
        if (maxTextTokens < 0) {
            throw new IllegalArgumentException("max_text_tokens: 0 (what the window leaves) or positive, got "
                    + maxTextTokens);
        }
        this.model = model;
        this.prompt = template.encode(model.tokenizer(), model.startIds(), DIGITS);
        int room = model.seqLen() - prompt.prefix().length - prompt.suffix().length;
        if (room < 1) {
            throw new IllegalArgumentException(template.source() + ": the template alone is "
                    + (prompt.prefix().length + prompt.suffix().length) + " tokens, and the model's window is "
                    + model.seqLen() + "; shorten the template or use a model with a longer context");
        }
        this.textBudget = maxTextTokens == 0 ? room : Math.min(maxTextTokens, room);
    }

    public int textBudget() {
        return textBudget;
    }

    public Score score(String text) {
        int[] body = model.tokenizer().encodeOrdinary(text);
        if (body.length > textBudget) {
            body = Arrays.copyOf(body, textBudget);
        }
        int[] ids = PromptTemplate.concat(PromptTemplate.concat(prompt.prefix(), body), prompt.suffix());
        float[] logits = model.nextLogits(ids);
        return restricted(logits, prompt.candidates());
    }

    /** Softmax over the candidates' logits only; expected index and argmax (ties: the lower index). */
    static Score restricted(float[] logits, int[] candidates) {
        double max = Double.NEGATIVE_INFINITY;
        int argmax = 0;
        for (int d = 0; d < candidates.length; d++) {
            if (logits[candidates[d]] > max) {
                max = logits[candidates[d]];
                argmax = d;
            }
        }
        double[] p = new double[candidates.length];
        double sum = 0;
        for (int d = 0; d < p.length; d++) {
            p[d] = Math.exp(logits[candidates[d]] - max);
            sum += p[d];
        }
        double e = 0;
        for (int d = 0; d < p.length; d++) {
            p[d] /= sum;
            e += d * p[d];
        }
        return new Score(e, argmax, p);
    }

    /**
     * The label of a score: with a threshold, {@code 1} when the score reaches it and {@code 0} otherwise
     * (FineWeb-Edu kept pages scoring >= 3); without (NaN), the score rounded half up to a whole grade.
     */
    public static int label(double score, double threshold) {
        return Double.isNaN(threshold) ? (int) Math.floor(score + 0.5) : score >= threshold ? 1 : 0;
    }

    /** What {@link #run} did: documents annotated now, and skipped because the output had them. */
    public record Summary(int annotated, int skipped) {
    }

    /**
     * Annotates {@code docs} into {@code out} as JSON lines {@code {"id", "text", "score", "label", "argmax"}},
     * which {@code stratum data classifier train} reads. Resumable: documents whose id the output already has are
     * skipped, and each line is appended with one write and forced to disk before the next document, so a crash
     * loses at most the line being written; a last line left incomplete by a crash is cut off (the file rewritten
     * atomically without it) before appending.
     *
     * @param threshold NaN: label = rounded score; else the binary label of {@link #label}
     */
    public Summary run(List<DocumentSample.Doc> docs, Path out, double threshold, Consumer<String> progress)
            throws IOException {
        ObjectMapper json = new ObjectMapper();
        Set<String> done = done(out, json);
        int skipped = 0;
        int annotated = 0;
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            for (DocumentSample.Doc d : docs) {
                if (done.contains(d.id())) {
                    skipped++;
                    continue;
                }
                Score s = score(d.text());
                ObjectNode line = json.createObjectNode();
                line.put("id", d.id());
                line.put("text", d.text());
                line.put("score", Math.round(s.expected() * 1e6) / 1e6);
                line.put("label", label(s.expected(), threshold));
                line.put("argmax", s.argmax());
                byte[] bytes = (json.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
                AtomicFiles.writeFully(ch, ByteBuffer.wrap(bytes));
                ch.force(false);
                annotated++;
                if (progress != null && annotated % 50 == 0) {
                    progress.accept(String.format(java.util.Locale.ROOT, "annotated %d (%.1f docs/s)", annotated,
                            annotated / ((System.nanoTime() - t0) / 1e9)));
                }
            }
        }
        return new Summary(annotated, skipped);
    }

    /** Ids already in {@code out}; an incomplete last line is cut off first, any other bad line is an error. */
    static Set<String> done(Path out, ObjectMapper json) throws IOException {
        Set<String> ids = new HashSet<>();
        if (!Files.exists(out)) {
            return ids;
        }
        byte[] all = Files.readAllBytes(out);
        int end = all.length;
        while (end > 0 && all[end - 1] != '\n') {
            end--;
        }
        if (end < all.length) { // a line cut short by a crash: drop it, atomically
            AtomicFiles.writeBytes(out, Arrays.copyOf(all, end));
        }
        String[] lines = new String(all, 0, end, StandardCharsets.UTF_8).split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = json.readTree(lines[i]);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException(out + ":" + (i + 1) + ": not a line this command wrote ("
                        + e.getOriginalMessage() + "); write to a new --out file");
            }
            if (n == null || !n.has("id")) {
                throw new IllegalArgumentException(out + ":" + (i + 1) + ": no 'id'; write to a new --out file");
            }
            ids.add(n.get("id").asText());
        }
        return ids;
    }
}
