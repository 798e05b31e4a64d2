package ai.stratum.data.read;

import ai.stratum.data.StepStats;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Streams the documents of one input file into a sink with bounded memory (one record at a time).
 *
 * <p>Damage inside a file (a bad JSON line, invalid UTF-8, a truncated archive, a WARC record without HTML)
 * becomes a {@link ai.stratum.data.Reject} naming the file and line or offset, counted in {@code stats}, and
 * reading goes on with the next record where that is possible. Only a file that cannot be opened at all throws.
 */
public interface DocumentReader {
    /** The name of the reader in stats and rejects, e.g. {@code read_jsonl}. */
    String name();

    void read(Path file, String source, DocumentSink sink, StepStats stats) throws IOException;
}
