package ai.stratum.data.quality;

import ai.stratum.data.quality.ClassifierTrainer.Example;
import ai.stratum.data.read.Compression;
import ai.stratum.data.read.JsonlLines;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Training data for the classifier: JSON lines with a text and a label ({@code {"text": ..., "label": ...}}; a
 * numeric label is read as its JSON text, e.g. {@code 3}), plain or compressed as {@link Compression} reads.
 * Blank lines are skipped; anything else that is not such an object is an error naming the file and line.
 */
public final class LabelledJsonl {
    private LabelledJsonl() {
    }

    public static List<Example> read(Path file, String textField, String labelField) throws IOException {
        List<Example> out = new ArrayList<>();
        JsonlLines.forEach(file, (lineNo, n) -> {
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": expected a JSON object like "
                        + "{\"" + textField + "\": \"...\", \"" + labelField + "\": \"...\"}");
            }
            JsonNode text = n.get(textField);
            JsonNode label = n.get(labelField);
            if (text == null || !text.isTextual()) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": no string field '" + textField
                        + "' (choose the field with --text-field)");
            }
            if (label == null || !(label.isTextual() || label.isNumber()) || label.asText().isEmpty()) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": no string or number field '"
                        + labelField + "' (choose the field with --label-field)");
            }
            out.add(new Example(text.asText(), label.asText()));
        });
        return out;
    }
}
