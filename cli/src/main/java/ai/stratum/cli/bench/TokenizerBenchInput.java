package ai.stratum.cli.bench;

import ai.stratum.fixtures.text.MultilingualText;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The text a tokenizer benchmark runs on: the given files; else the {@code .txt} files under {@code bench-data/}
 * (see {@code scripts/fetch-bench-corpus.sh}); else generated multilingual text. Split into documents of
 * about 16 KB at blank lines, so batch encoding has units to spread over threads.
 */
final class TokenizerBenchInput {
    static final Path DEFAULT_DIR = Path.of("bench-data");

    private TokenizerBenchInput() {
    }

    static List<Path> resolveFiles(List<Path> inputs) throws IOException {
        if (inputs != null && !inputs.isEmpty()) {
            return inputs;
        }
        if (Files.isDirectory(DEFAULT_DIR)) {
            try (Stream<Path> files = Files.walk(DEFAULT_DIR)) {
                return files.filter(p -> p.toString().endsWith(".txt") && Files.isRegularFile(p)).sorted().toList();
            }
        }
        return List.of();
    }

    /** Documents from the files, or generated text of about generatedChars when there are no files. */
    static List<String> documents(List<Path> files, long generatedChars, PrintWriter out) throws IOException {
        List<String> docs = new ArrayList<>();
        if (files.isEmpty()) {
            MultilingualText gen = MultilingualText.seeded(1);
            long chars = 0;
            while (chars < generatedChars) {
                String doc = gen.document(16_000);
                docs.add(doc);
                chars += doc.length();
            }
            out.printf("input: generated multilingual text, %d documents (no --input and no %s/)%n", docs.size(), DEFAULT_DIR);
            return docs;
        }
        for (Path file : files) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            StringBuilder doc = new StringBuilder();
            for (String paragraph : text.split("(?<=\n\n)")) {
                doc.append(paragraph);
                if (doc.length() >= 16_000) {
                    docs.add(doc.toString());
                    doc.setLength(0);
                }
            }
            if (doc.length() > 0) {
                docs.add(doc.toString());
            }
        }
        out.printf("input: %d files, %d documents%n", files.size(), docs.size());
        return docs;
    }

    static long utf8Bytes(List<String> docs) {
        long total = 0;
        for (String d : docs) {
            total += d.getBytes(StandardCharsets.UTF_8).length;
        }
        return total;
    }
}
