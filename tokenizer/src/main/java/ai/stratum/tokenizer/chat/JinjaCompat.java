package ai.stratum.tokenizer.chat;

/**
 * Rewrites the few Jinja constructs of Hugging Face chat templates that jinjava parses differently from
 * Python's Jinja2 (and {@code @huggingface/jinja}) into equivalent ones it reads the same way:
 * <ul>
 *   <li>keyword arguments of {@code namespace(...)}: jinjava binds {@code name=a|length - 1} as
 *       {@code (name=a|length) - 1}; each value is parenthesised;</li>
 *   <li>the reversing slice {@code [::-1]}, which jinjava does not parse, becomes the {@code reverse} filter;</li>
 *   <li>whitespace control ({@code {{-}, {@code -%}}...) is applied to the source first: jinjava leaves the
 *       indentation that trim_blocks exposes before a {@code {{-}.</li>
 * </ul>
 * Outside Jinja tags nothing changes. Each rewrite is checked by the template tests against the reference.
 */
final class JinjaCompat {
    private JinjaCompat() {
    }

    static String rewrite(String template) {
        template = template.replaceAll("\\s+(\\{[{%#]-)", "$1").replaceAll("(-[}%#]\\})\\s+", "$1");
        StringBuilder out = new StringBuilder(template.length() + 32);
        int i = 0;
        while (i < template.length()) {
            int open = nextTag(template, i);
            if (open < 0) {
                out.append(template, i, template.length());
                break;
            }
            out.append(template, i, open);
            int close = template.indexOf(template.charAt(open + 1) == '{' ? "}}" : "%}", open + 2);
            if (close < 0) {
                out.append(template, open, template.length());
                break;
            }
            out.append(rewriteTag(template.substring(open, close + 2)));
            i = close + 2;
        }
        return out.toString();
    }

    private static int nextTag(String s, int from) {
        int a = s.indexOf("{{", from);
        int b = s.indexOf("{%", from);
        return a < 0 ? b : b < 0 ? a : Math.min(a, b);
    }

    private static String rewriteTag(String tag) {
        tag = tag.replace("[::-1]", "|reverse");
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (true) {
            int at = tag.indexOf("namespace(", i);
            if (at < 0) {
                out.append(tag, i, tag.length());
                return out.toString();
            }
            int start = at + "namespace(".length();
            out.append(tag, i, start);
            int depth = 0;
            int j = start;
            int argStart = start;
            char quote = 0;
            for (; j < tag.length(); j++) {
                char c = tag.charAt(j);
                if (quote != 0) {
                    if (c == quote && tag.charAt(j - 1) != '\\') {
                        quote = 0;
                    }
                } else if (c == '\'' || c == '"') {
                    quote = c;
                } else if (c == '(' || c == '[' || c == '{') {
                    depth++;
                } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                    depth--;
                } else if ((c == ',' || c == ')') && depth == 0) {
                    out.append(keywordArg(tag.substring(argStart, j))).append(c);
                    argStart = j + 1;
                    if (c == ')') {
                        break;
                    }
                }
            }
            i = j + 1;
        }
    }

    private static String keywordArg(String arg) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\s*[A-Za-z_][A-Za-z0-9_]*\\s*=)(?!=)(.*)$", java.util.regex.Pattern.DOTALL)
                .matcher(arg);
        return m.matches() ? m.group(1) + "(" + m.group(2) + ")" : arg;
    }
}
