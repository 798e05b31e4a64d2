package ai.stratum.data.read;

import com.github.luben.zstd.ZstdInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Opens a file, decompressing by its extension: {@code .gz} (gzip), {@code .zst} (zstd), anything else as is. */
public final class Compression {
    private static final int BUFFER = 1 << 16;

    private Compression() {
    }

    public static InputStream open(Path file) throws IOException {
        InputStream raw = Files.newInputStream(file);
        String name = file.getFileName().toString();
        try {
            if (name.endsWith(".gz")) {
                return new GZIPInputStream(raw, BUFFER);
            }
            if (name.endsWith(".zst")) {
                return new BufferedInputStream(new ZstdInputStream(raw), BUFFER);
            }
            return new BufferedInputStream(raw, BUFFER);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /** The file name without a trailing compression extension: {@code a.jsonl.gz} -> {@code a.jsonl}. */
    public static String baseName(Path file) {
        String name = file.getFileName().toString();
        if (name.endsWith(".gz")) {
            return name.substring(0, name.length() - 3);
        }
        if (name.endsWith(".zst")) {
            return name.substring(0, name.length() - 4);
        }
        return name;
    }
}
