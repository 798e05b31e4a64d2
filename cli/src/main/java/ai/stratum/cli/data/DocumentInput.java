package ai.stratum.cli.data;

import ai.stratum.cli.UserException;
import ai.stratum.quality.DocumentSample;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The document-input options of the commands that score a sample of documents with a model ({@code data annotate},
 * {@code data perplexity-buckets}): the JSONL file, its id and text fields, and the seed of the sample. Each
 * command keeps its own {@code --sample} default.
 */
public final class DocumentInput {

    @Option(names = "--in", paramLabel = "FILE", required = true,
            description = "Documents as JSONL (.gz/.zst too) with an id and a text, e.g. a run's documents/*.jsonl.")
    Path in;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the sample (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--text-field", defaultValue = "text", description = "JSON field of the text (default: text).")
    String textField;

    @Option(names = "--id-field", defaultValue = "id", description = "JSON field of the id (default: id).")
    String idField;

    /** Refuses a missing {@code --in} by name before any other work. */
    void requireFile() {
        if (!Files.isRegularFile(in)) {
            throw new UserException("--in " + in + ": no such file");
        }
    }

    /** {@code sample} documents chosen by a seeded hash of their ids (0 = all). */
    List<DocumentSample.Doc> read(int sample) throws IOException {
        return DocumentSample.read(in, idField, textField, sample, seed);
    }

    Path file() {
        return in;
    }
}
