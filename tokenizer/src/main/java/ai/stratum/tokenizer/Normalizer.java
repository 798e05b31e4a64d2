package ai.stratum.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tokenizer.json {@code normalizer}: text in, text out, applied to each stretch of text between added tokens.
 * Each kind is read from its JSON object by {@link #read}; other kinds are refused by name.
 */
sealed interface Normalizer {
    String normalize(String text);

    /** Unicode normal forms, via {@link java.text.Normalizer}; an already normalized text is returned as is. */
    record UnicodeForm(String name, java.text.Normalizer.Form form) implements Normalizer {
        @Override
        public String normalize(String text) {
            return java.text.Normalizer.isNormalized(text, form) ? text : java.text.Normalizer.normalize(text, form);
        }
    }

    /**
     * Lower-cases character by character with the full Unicode mapping (U+0130 becomes "i̇"), without Greek
     * final-sigma context: what Rust's {@code char::to_lowercase} does for each char.
     */
    record Lowercase() implements Normalizer {
        @Override
        public String normalize(String text) {
            StringBuilder sb = new StringBuilder(text.length());
            for (int i = 0; i < text.length(); ) {
                int cp = text.codePointAt(i);
                int n = Character.charCount(cp);
                if (cp == 0x03A3) {
                    sb.append('\u03C3'); // String.toLowerCase would pick the final form by context
                } else if (cp < 0x80) {
                    sb.append((char) Character.toLowerCase(cp));
                } else {
                    sb.append(text.substring(i, i + n).toLowerCase(Locale.ROOT));
                }
                i += n;
            }
            return sb.toString();
        }
    }

    /** Replaces every match of a literal or regex pattern. */
    record Replace(Pattern pattern, String content) implements Normalizer {
        @Override
        public String normalize(String text) {
            return pattern.matcher(text).replaceAll(Matcher.quoteReplacement(content));
        }
    }

    /** Prepends a string to non-empty text. */
    record Prepend(String prepend) implements Normalizer {
        @Override
        public String normalize(String text) {
            return text.isEmpty() ? text : prepend + text;
        }
    }

    /** Strips Unicode whitespace (Rust's {@code char::is_whitespace}: the White_Space property) at either end. */
    record Strip(boolean left, boolean right) implements Normalizer {
        @Override
        public String normalize(String text) {
            int from = 0;
            int to = text.length();
            if (left) {
                while (from < to && Unicode.isWhiteSpace(text.codePointAt(from))) {
                    from += Character.charCount(text.codePointAt(from));
                }
            }
            if (right) {
                while (to > from && Unicode.isWhiteSpace(text.codePointBefore(to))) {
                    to -= Character.charCount(text.codePointBefore(to));
                }
            }
            return text.substring(from, to);
        }
    }

    record Sequence(List<Normalizer> normalizers) implements Normalizer {
        @Override
        public String normalize(String text) {
            for (Normalizer n : normalizers) {
                text = n.normalize(text);
            }
            return text;
        }
    }

    /** Reads a normalizer; null for JSON null. */
    static Normalizer read(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = JsonKeys.type(node, where);
        switch (type) {
            case "NFC", "NFKC", "NFD", "NFKD" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type"));
                return new UnicodeForm(type, java.text.Normalizer.Form.valueOf(type));
            }
            case "Lowercase" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type"));
                return new Lowercase();
            }
            case "Replace" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type", "pattern", "content"));
                return new Replace(JsonKeys.pattern(node, "pattern", where), JsonKeys.string(node, "content", where, ""));
            }
            case "Prepend" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type", "prepend"));
                return new Prepend(JsonKeys.string(node, "prepend", where, ""));
            }
            case "Strip" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type", "strip_left", "strip_right"));
                return new Strip(JsonKeys.bool(node, "strip_left", where, false), JsonKeys.bool(node, "strip_right", where, false));
            }
            case "Sequence" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type", "normalizers"));
                return new Sequence(JsonKeys.components(node, "normalizers", where, Normalizer::read));
            }
            default -> throw new IllegalArgumentException(where + " '" + type + "' is not supported; stratum reads the "
                    + "normalizers NFC, NFKC, NFD, NFKD, Lowercase, Replace, Prepend, Strip and Sequence");
        }
    }
}
