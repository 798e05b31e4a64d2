package ai.stratum.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tokenizer.json {@code decoder}: token strings in, strings out ({@code decode_chain} in Hugging Face's
 * {@code tokenizers}); the decoded text is the results joined.
 */
sealed interface Decoder {
    List<String> decodeChain(List<String> tokens);

    /** GPT-2's byte characters back to bytes; a token with another character stays as its own UTF-8. */
    record ByteLevelDecoder() implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (String t : tokens) {
                byte[] raw = ByteLevel.decodeOrNull(t);
                out.writeBytes(raw != null ? raw : t.getBytes(StandardCharsets.UTF_8));
            }
            return List.of(new String(out.toByteArray(), StandardCharsets.UTF_8));
        }
    }

    /** The replacement back to spaces; the first token loses a leading one unless prepend_scheme is never. */
    record MetaspaceDecoder(char replacement, boolean stripFirst) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i).replace(replacement, ' ');
                if (i == 0 && stripFirst && t.startsWith(" ")) {
                    t = t.substring(1);
                }
                out.add(t);
            }
            return out;
        }
    }

    record Replace(Pattern pattern, String content) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                out.add(pattern.matcher(t).replaceAll(Matcher.quoteReplacement(content)));
            }
            return out;
        }
    }

    /**
     * Runs of {@code <0xXX>} tokens become the text of their bytes; bytes that are not valid UTF-8 become one
     * U+FFFD each.
     */
    record ByteFallback() implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            int pendingCount = 0;
            for (String t : tokens) {
                int b = t.length() == 6 && t.startsWith("<0x") && t.endsWith(">") ? parseHex(t.substring(3, 5)) : -1;
                if (b >= 0) {
                    pending.write(b);
                    pendingCount++;
                    continue;
                }
                if (pendingCount > 0) {
                    flush(pending, pendingCount, out);
                    pending.reset();
                    pendingCount = 0;
                }
                out.add(t);
            }
            if (pendingCount > 0) {
                flush(pending, pendingCount, out);
            }
            return out;
        }

        private static int parseHex(String hex) {
            try {
                return Integer.parseInt(hex, 16);
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        private static void flush(ByteArrayOutputStream pending, int count, List<String> out) {
            try {
                out.add(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(pending.toByteArray())).toString());
            } catch (CharacterCodingException e) {
                for (int k = 0; k < count; k++) {
                    out.add("\uFFFD");
                }
            }
        }
    }

    /** All tokens into one string. */
    record Fuse() implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            return List.of(String.join("", tokens));
        }
    }

    /** Removes up to {@code start} leading and {@code stop} trailing occurrences of one character from each token. */
    record Strip(char content, int start, int stop) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                int from = 0;
                while (from < start && from < t.length() && t.charAt(from) == content) {
                    from++;
                }
                int to = t.length();
                while (t.length() - to < stop && to > from && t.charAt(to - 1) == content) {
                    to--;
                }
                out.add(t.substring(from, to));
            }
            return out;
        }
    }

    record Sequence(List<Decoder> decoders) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            for (Decoder d : decoders) {
                tokens = d.decodeChain(tokens);
            }
            return tokens;
        }
    }

    /** Whether decoding is GPT-2's byte-level map alone (the fast path: concatenated token bytes). */
    static boolean isByteLevel(Decoder d) {
        return d instanceof ByteLevelDecoder || (d instanceof Sequence s && s.decoders().size() == 1 && isByteLevel(s.decoders().get(0)));
    }

    /** Reads a decoder; null for JSON null. */
    static Decoder read(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = JsonKeys.type(node, where);
        switch (type) {
            case "ByteLevel" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type", "add_prefix_space", "trim_offsets", "use_regex"));
                return new ByteLevelDecoder();
            }
            case "Metaspace" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type", "replacement", "prepend_scheme", "add_prefix_space", "split",
                        "str_rep"));
                String replacement = JsonKeys.string(node, "replacement", where, "\u2581");
                if (replacement.length() != 1) {
                    throw new IllegalArgumentException(where + ".replacement must be one character, got '" + replacement + "'");
                }
                boolean strip = node.hasNonNull("prepend_scheme")
                        ? !"never".equals(JsonKeys.string(node, "prepend_scheme", where, "always"))
                        : JsonKeys.bool(node, "add_prefix_space", where, true);
                return new MetaspaceDecoder(replacement.charAt(0), strip);
            }
            case "Replace" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type", "pattern", "content"));
                return new Replace(JsonKeys.pattern(node, "pattern", where), JsonKeys.string(node, "content", where, ""));
            }
            case "ByteFallback" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type"));
                return new ByteFallback();
            }
            case "Fuse" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type"));
                return new Fuse();
            }
            case "Strip" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type", "content", "start", "stop"));
                String content = JsonKeys.string(node, "content", where, " ");
                if (content.length() != 1) {
                    throw new IllegalArgumentException(where + ".content must be one character, got '" + content + "'");
                }
                return new Strip(content.charAt(0), JsonKeys.natural(node, "start", where, 0), JsonKeys.natural(node, "stop", where, 0));
            }
            case "Sequence" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type", "decoders"));
                return new Sequence(JsonKeys.components(node, "decoders", where, Decoder::read));
            }
            default -> throw new IllegalArgumentException(where + " '" + type + "' is not supported; stratum reads the "
                    + "decoders ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip and Sequence");
        }
    }
}
