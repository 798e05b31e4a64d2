package ai.stratum.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A tokenizer.json {@code post_processor}, applied when the caller asks for special tokens (Hugging Face's
 * {@code add_special_tokens=True}): TemplateProcessing's {@code single} template (e.g. BOS before the text);
 * ByteLevel changes offsets only, so it leaves the ids alone.
 */
sealed interface PostProcessor {
    /** The ids of one sequence with the template's special tokens around them. */
    int[] apply(int[] ids);

    /** The ids placed before and after the sequence. */
    record Template(int[] before, int[] after) implements PostProcessor {
        @Override
        public int[] apply(int[] ids) {
            if (before.length == 0 && after.length == 0) {
                return ids;
            }
            int[] out = new int[before.length + ids.length + after.length];
            System.arraycopy(before, 0, out, 0, before.length);
            System.arraycopy(ids, 0, out, before.length, ids.length);
            System.arraycopy(after, 0, out, before.length + ids.length, after.length);
            return out;
        }
    }

    Template NONE = new Template(new int[0], new int[0]);

    static PostProcessor read(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return NONE;
        }
        String type = JsonKeys.type(node, where);
        switch (type) {
            case "ByteLevel" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type", "add_prefix_space", "trim_offsets", "use_regex"));
                return NONE;
            }
            case "TemplateProcessing" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type", "single", "pair", "special_tokens"));
                JsonNode single = JsonKeys.array(node, "single", where);
                JsonNode specials = node.path("special_tokens");
                List<Integer> before = new ArrayList<>();
                List<Integer> after = new ArrayList<>();
                boolean seenSequence = false;
                for (int i = 0; i < single.size(); i++) {
                    JsonNode item = single.get(i);
                    String at = where + ".single[" + i + "]";
                    if (item.has("Sequence")) {
                        String id = item.path("Sequence").path("id").asText();
                        if (!id.equals("A") || seenSequence) {
                            throw new IllegalArgumentException(at + " must be the sequence A, once; got " + item);
                        }
                        seenSequence = true;
                    } else if (item.has("SpecialToken")) {
                        String name = item.path("SpecialToken").path("id").asText();
                        JsonNode spec = specials.get(name);
                        if (spec == null || !spec.path("ids").isArray()) {
                            throw new IllegalArgumentException(at + " names the special token '" + name
                                    + "', which " + where + ".special_tokens does not define with \"ids\"");
                        }
                        for (JsonNode id : spec.get("ids")) {
                            if (!id.canConvertToInt() || id.asInt() < 0) {
                                throw new IllegalArgumentException(where + ".special_tokens['" + name + "'].ids holds " + id);
                            }
                            (seenSequence ? after : before).add(id.asInt());
                        }
                    } else {
                        throw new IllegalArgumentException(at + " must be {\"Sequence\": ...} or {\"SpecialToken\": ...}, got " + item);
                    }
                }
                if (!seenSequence) {
                    throw new IllegalArgumentException(where + ".single has no {\"Sequence\": {\"id\": \"A\"}}");
                }
                return new Template(before.stream().mapToInt(Integer::intValue).toArray(),
                        after.stream().mapToInt(Integer::intValue).toArray());
            }
            case "Sequence" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type", "processors"));
                JsonNode list = JsonKeys.array(node, "processors", where);
                List<Integer> before = new ArrayList<>();
                List<Integer> after = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    Template t = (Template) read(list.get(i), where + ".processors[" + i + "]");
                    // Each processor wraps what the previous ones produced.
                    List<Integer> b = new ArrayList<>();
                    for (int id : t.before()) {
                        b.add(id);
                    }
                    before.addAll(0, b);
                    for (int id : t.after()) {
                        after.add(id);
                    }
                }
                return new Template(before.stream().mapToInt(Integer::intValue).toArray(),
                        after.stream().mapToInt(Integer::intValue).toArray());
            }
            default -> throw new IllegalArgumentException(where + " '" + type + "' is not supported; stratum reads the "
                    + "post-processors TemplateProcessing, ByteLevel and Sequence");
        }
    }
}
