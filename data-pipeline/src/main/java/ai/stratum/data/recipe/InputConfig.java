package ai.stratum.data.recipe;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One input source.
 *
 * @param name       the source name: mixing weights and the manifest's mixture refer to it
 * @param format     {@code jsonl}, {@code text}, {@code warc} (WARC or WET, plain or gzipped) or {@code parquet}
 * @param paths      files, directories (every regular file inside, recursively, sorted) or globs such as
 *                   {@code data/*.jsonl.gz}; relative paths resolve against the working directory
 * @param textField  the JSON field or Parquet column holding the text (ignored for text and WARC)
 * @param idField    the JSON field or Parquet column holding the id (a missing id becomes {@code file:line})
 */
public record InputConfig(String name, String format, List<String> paths, String textField, String idField) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    public static final List<String> FORMATS = List.of("jsonl", "text", "warc", "parquet");

    public InputConfig {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name: a source name of letters, digits, '_', '.', '-', got '"
                    + name + "'");
        }
        if (!FORMATS.contains(format)) {
            throw new IllegalArgumentException("format: must be one of " + FORMATS + ", got '" + format + "'");
        }
        if (paths == null || paths.isEmpty()) {
            throw new IllegalArgumentException("paths: list at least one file, directory or glob");
        }
        paths = List.copyOf(paths);
        Checks.notBlank("text_field", textField);
        Checks.notBlank("id_field", idField);
    }
}
