package ai.stratum.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads tiktoken's rank files (one "base64(token bytes) rank" per line, e.g. {@code r50k_base.tiktoken}) and
 * recovers the ranked merge list that a GPT-2 style file needs. tiktoken stores only ranks: the merge that
 * made a token of rank r is found by running BPE on the token's own bytes with the tokens of rank below r;
 * for a vocabulary learned by BPE this ends in exactly two parts, the merge's left and right sides. The
 * merge list is then the multi-byte tokens in rank order.
 */
final class TiktokenRanks {
    private TiktokenRanks() {
    }

    static Tokenizer read(InputStream in, String source, Map<String, Integer> specials) throws IOException {
        // Token bytes as ISO-8859-1 strings: one char per byte, so they hash and concatenate like byte strings.
        Map<String, Integer> ranks = new HashMap<>();
        List<String> byRank = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            String line;
            int lineNo = 0;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (line.isEmpty()) {
                    continue;
                }
                int space = line.indexOf(' ');
                int rank;
                byte[] raw;
                try {
                    raw = Base64.getDecoder().decode(line.substring(0, Math.max(space, 0)));
                    rank = Integer.parseInt(line.substring(space + 1));
                } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                    throw new IllegalArgumentException(source + " line " + lineNo + ": expected 'base64 rank', got '" + line + "'", e);
                }
                if (rank != byRank.size()) {
                    throw new IllegalArgumentException(source + " line " + lineNo + ": rank " + rank
                            + " is out of order; ranks must be 0, 1, 2, ... in file order");
                }
                String bytes = new String(raw, StandardCharsets.ISO_8859_1);
                if (raw.length == 0 || ranks.putIfAbsent(bytes, rank) != null) {
                    throw new IllegalArgumentException(source + " line " + lineNo + ": token is empty or repeated");
                }
                byRank.add(bytes);
            }
        }
        String[] tokens = new String[byRank.size()];
        List<String[]> merges = new ArrayList<>();
        for (int rank = 0; rank < byRank.size(); rank++) {
            String bytes = byRank.get(rank);
            tokens[rank] = byteLevel(bytes);
            if (bytes.length() > 1) {
                List<String> parts = mergeWithRanksBelow(bytes, rank, ranks);
                if (parts.size() != 2) {
                    throw new IllegalArgumentException(source + ": token of rank " + rank + " is not a merge of two lower-rank tokens");
                }
                merges.add(new String[] {byteLevel(parts.get(0)), byteLevel(parts.get(1))});
            }
        }
        return new Tokenizer(new BytePairModel(tokens, merges), specials);
    }

    /** tiktoken's BPE on one token: merge the adjacent pair whose concatenation has the lowest rank below maxRank. */
    private static List<String> mergeWithRanksBelow(String bytes, int maxRank, Map<String, Integer> ranks) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < bytes.length(); i++) {
            parts.add(bytes.substring(i, i + 1));
        }
        while (parts.size() > 1) {
            int best = -1;
            int bestRank = maxRank;
            for (int i = 0; i + 1 < parts.size(); i++) {
                Integer r = ranks.get(parts.get(i) + parts.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            parts.set(best, parts.get(best) + parts.remove(best + 1));
        }
        return parts;
    }

    private static String byteLevel(String latin1Bytes) {
        return ByteLevel.encode(latin1Bytes.getBytes(StandardCharsets.ISO_8859_1));
    }
}
