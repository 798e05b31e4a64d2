package ai.stratum.cli.data;

import ai.stratum.cli.UserException;
import ai.stratum.quality.DocumentSample;
import ai.stratum.quality.EduAnnotator;
import ai.stratum.quality.PromptTemplate;
import ai.stratum.quality.ScoringModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code stratum data annotate}: FineWeb-Edu-style 0-5 educational scores from a local checkpoint and a prompt
 * template ({@link EduAnnotator}), written as labelled JSONL for {@code stratum data classifier train}.
 */
@Command(name = "annotate", mixinStandardHelpOptions = true,
        description = {"Score documents 0-5 for educational value with a local model and a prompt template "
                + "(FineWeb-Edu style): the expected value of the next-token distribution over the digits 0-5 after "
                + "the prompt, one forward per document.",
                "Writes {\"id\", \"text\", \"score\", \"label\", \"argmax\"} JSON lines that 'stratum data classifier "
                        + "train' reads. A rerun with the same --out resumes: documents already there are skipped "
                        + "(OUT.annotate.json records the model, template and options, and a rerun must match it)."})
public final class AnnotateCommand implements Callable<Integer> {
    static final String DEFAULT_TEMPLATE = "configs/data/edu-annotation-prompt.txt";

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", required = true,
            description = "A checkpoint (or run directory, for its latest) of any family, with its tokenizer.")
    Path model;

    @Option(names = "--prompt-template", paramLabel = "FILE",
            description = "The prompt: text with one {text} placeholder, ending where the score digit goes "
                    + "(default: the bundled " + DEFAULT_TEMPLATE + ").")
    Path template;

    @Mixin
    DocumentInput input;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "Labelled JSONL to write or resume.")
    Path out;

    @Option(names = "--sample", paramLabel = "N", defaultValue = "0",
            description = "Annotate N documents chosen by a seeded hash of their ids (default: 0 = all).")
    int sample;

    @Option(names = "--threshold", paramLabel = "SCORE",
            description = "Label 1 when the score is at least SCORE, else 0 (FineWeb-Edu used 3); default: the "
                    + "score rounded to a whole grade 0-5.")
    Double threshold;

    @Option(names = "--max-text-tokens", paramLabel = "N", defaultValue = "0",
            description = "Cut each document to its first N tokens (default: 0 = what the model's window leaves "
                    + "after the template).")
    int maxTextTokens;

    @Option(names = "--seq-len", paramLabel = "N", defaultValue = "0",
            description = "The model's window for the prompt (default: 0 = its context length, at most 2048).")
    int seqLen;

    @Override
    public Integer call() throws IOException {
        input.requireFile();
        if (threshold != null && !(threshold >= 0 && threshold <= 5)) {
            throw new UserException("--threshold: a score between 0 and 5, got " + threshold);
        }
        PromptTemplate prompt = readTemplate();
        List<DocumentSample.Doc> docs = input.read(sample);
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (ScoringModel m = ScoringModel.open(model, 1, seqLen)) {
            EduAnnotator annotator = new EduAnnotator(m, prompt, maxTextTokens);
            checkSettings(m, prompt, annotator);
            long t0 = System.nanoTime();
            EduAnnotator.Summary s = annotator.run(docs, out, threshold == null ? Double.NaN : threshold,
                    line -> {
                        err.println(line);
                        err.flush();
                    });
            double secs = (System.nanoTime() - t0) / 1e9;
            o.printf(Locale.ROOT, "%s: annotated %d documents in %.1f s (%.2f docs/s), %d already there; text cut "
                            + "to %d tokens; labels: %s%n", out, s.annotated(), secs,
                    s.annotated() / Math.max(secs, 1e-9), s.skipped(), annotator.textBudget(),
                    threshold == null ? "score rounded to 0-5" : "1 if score >= " + threshold + " else 0");
        }
        o.flush();
        return 0;
    }

    /**
     * {@code OUT.annotate.json} records what the labels in {@code --out} were made with (the model's fingerprint,
     * the template, the text budget, the labelling); a rerun that would append lines made otherwise is refused.
     */
    private void checkSettings(ScoringModel m, PromptTemplate prompt, EduAnnotator annotator) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.Map<String, Object> now = new java.util.LinkedHashMap<>();
        now.put("model_fingerprint", ai.stratum.hf.BaseModel.fingerprint(m.dir()));
        now.put("template_sha256", sha256(prompt.before() + PromptTemplate.PLACEHOLDER + prompt.after()));
        now.put("text_tokens", annotator.textBudget());
        now.put("labels", threshold == null ? "rounded" : "score >= " + threshold);
        Path file = out.resolveSibling(out.getFileName() + ".annotate.json");
        if (Files.exists(file)) {
            com.fasterxml.jackson.databind.JsonNode before = json.readTree(file.toFile());
            for (java.util.Map.Entry<String, Object> e : now.entrySet()) {
                String was = before.path(e.getKey()).asText();
                if (!was.equals(String.valueOf(e.getValue()))) {
                    throw new UserException(out + " was annotated with " + e.getKey() + " " + was + " (see " + file
                            + "), this run has " + e.getValue() + "; rerun with the same model, template and "
                            + "options, or write to a new --out");
                }
            }
        } else if (Files.exists(out) && Files.size(out) > 0) {
            throw new UserException(out + " exists but " + file + " does not: it was not written by this command; "
                    + "write to a new --out");
        } else {
            ai.stratum.io.AtomicFiles.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(now));
        }
    }

    private static String sha256(String s) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private PromptTemplate readTemplate() throws IOException {
        if (template != null) {
            if (!Files.isRegularFile(template)) {
                throw new UserException("--prompt-template " + template + ": no such file");
            }
            return PromptTemplate.parse(template.toString(), Files.readString(template, StandardCharsets.UTF_8));
        }
        try (InputStream s = AnnotateCommand.class.getClassLoader().getResourceAsStream(DEFAULT_TEMPLATE)) {
            if (s == null) {
                throw new UserException("the bundled " + DEFAULT_TEMPLATE + " is missing from the jar; pass "
                        + "--prompt-template FILE");
            }
            return PromptTemplate.parse("bundled " + DEFAULT_TEMPLATE, new String(s.readAllBytes(),
                    StandardCharsets.UTF_8));
        }
    }
}
