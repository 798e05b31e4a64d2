package ai.stratum.cli.quickstart;

import ai.stratum.train.data.TokenShard;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Recovers the cleaned documents from byte-level shards (token = byte, 256 = end-of-text before each document):
 * the pipeline's byte-level output is exactly its cleaned text, which the tokenizer then trains on.
 */
final class CleanText {

    static final int BYTE_EOT = 256;

    private CleanText() {
    }

    /** Writes every document as plain text ({@code textOut}, blank-line separated) and as JSONL; returns the count. */
    static int extract(Path shardDir, Path textOut, Path jsonlOut) throws IOException {
        List<Path> shards;
        try (Stream<Path> files = Files.list(shardDir)) {
            shards = files.filter(p -> p.getFileName().toString().endsWith(".bin")).sorted().toList();
        }
        if (shards.isEmpty()) {
            throw new IOException(shardDir + ": no .bin shards to read the cleaned text from");
        }
        ObjectMapper json = new ObjectMapper();
        int docs = 0;
        try (BufferedWriter text = Files.newBufferedWriter(textOut, StandardCharsets.UTF_8);
             BufferedWriter jsonl = Files.newBufferedWriter(jsonlOut, StandardCharsets.UTF_8)) {
            ByteArrayOutputStream doc = new ByteArrayOutputStream();
            for (Path shard : shards) {
                try (TokenShard s = TokenShard.open(shard)) {
                    int[] buf = new int[1 << 16];
                    for (long start = 0; start < s.tokenCount(); start += buf.length) {
                        int n = (int) Math.min(buf.length, s.tokenCount() - start);
                        s.read(start, buf, 0, n);
                        for (int i = 0; i < n; i++) {
                            if (buf[i] == BYTE_EOT) {
                                docs += flush(doc, text, jsonl, json, docs);
                            } else if (buf[i] < 256) {
                                doc.write(buf[i]);
                            } else {
                                throw new IOException(shard + ": token " + buf[i] + " is not a byte; expected "
                                        + "byte-level shards (tokenizer type: bytes)");
                            }
                        }
                    }
                }
                docs += flush(doc, text, jsonl, json, docs);
            }
        }
        return docs;
    }

    private static int flush(ByteArrayOutputStream doc, BufferedWriter text, BufferedWriter jsonl, ObjectMapper json,
                             int index) throws IOException {
        if (doc.size() == 0) {
            return 0;
        }
        String s = doc.toString(StandardCharsets.UTF_8);
        doc.reset();
        text.write(s);
        text.write("\n\n");
        ObjectNode n = json.createObjectNode();
        n.put("id", "clean-" + index);
        n.put("text", s);
        jsonl.write(json.writeValueAsString(n));
        jsonl.write('\n');
        return 1;
    }
}
