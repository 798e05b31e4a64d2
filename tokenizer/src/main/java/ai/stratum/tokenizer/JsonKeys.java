package ai.stratum.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Set;

/** Small readers for tokenizer.json objects that refuse, by name, what they do not understand. */
final class JsonKeys {
    private JsonKeys() {
    }

    /** @throws IllegalArgumentException naming the first key of {@code node} outside {@code known} */
    static void onlyKnown(JsonNode node, String where, Set<String> known) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                throw new IllegalArgumentException(where + " has the key '" + key + "', which stratum does not support "
                        + "(it may change the ids); known keys: " + new java.util.TreeSet<>(known));
            }
        }
    }

    static String type(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(where + " must be an object with a \"type\"");
        }
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual()) {
            throw new IllegalArgumentException(where + " has no string \"type\"");
        }
        return type.asText();
    }

    static String string(JsonNode node, String key, String where, String absent) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(where + "." + key + " must be a string, got " + v);
        }
        return v.asText();
    }

    static boolean bool(JsonNode node, String key, String where, boolean absent) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException(where + "." + key + " must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    static int natural(JsonNode node, String key, String where, int absent) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0) {
            throw new IllegalArgumentException(where + "." + key + " must be a non-negative integer, got " + v);
        }
        return v.asInt();
    }

    static JsonNode array(JsonNode node, String key, String where) {
        JsonNode v = node.get(key);
        if (v == null || !v.isArray()) {
            throw new IllegalArgumentException(where + "." + key + " must be an array");
        }
        return v;
    }

    /**
     * The components of a {@code Sequence} (normalizers, pre-tokenizers, decoders): each element of the array
     * {@code key} read by {@code read} at {@code where.key[i]}; elements it reads as null (no-ops) are left out.
     */
    static <T> java.util.List<T> components(JsonNode node, String key, String where,
                                            java.util.function.BiFunction<JsonNode, String, T> read) {
        JsonNode list = array(node, key, where);
        java.util.List<T> steps = new java.util.ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            T step = read.apply(list.get(i), where + "." + key + "[" + i + "]");
            if (step != null) {
                steps.add(step);
            }
        }
        return java.util.List.copyOf(steps);
    }

    /**
     * A Split/Replace pattern: {@code {"String": s}} (literal) or {@code {"Regex": r}}, as a compiled Java regex.
     * Regexes are compiled with {@link java.util.regex.Pattern#UNICODE_CHARACTER_CLASS} since the Rust engines
     * (Oniguruma, regex) treat {@code \s \w \d} as Unicode classes.
     */
    static java.util.regex.Pattern pattern(JsonNode node, String key, String where) {
        JsonNode p = node.get(key);
        if (p == null || !p.isObject() || p.size() != 1) {
            throw new IllegalArgumentException(where + "." + key + " must be {\"String\": ...} or {\"Regex\": ...}");
        }
        if (p.has("String") && p.get("String").isTextual()) {
            return java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(p.get("String").asText()));
        }
        if (p.has("Regex") && p.get("Regex").isTextual()) {
            try {
                return RegexDialect.compile(p.get("Regex").asText());
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new IllegalArgumentException(where + "." + key + ".Regex does not compile in Java: " + e.getDescription(), e);
            }
        }
        throw new IllegalArgumentException(where + "." + key + " must be {\"String\": ...} or {\"Regex\": ...}, got " + p);
    }
}
