package ai.stratum.tokenizer;

import java.util.regex.Pattern;

/**
 * Compiles a tokenizer.json regex (written for Oniguruma, which Hugging Face's Rust {@code tokenizers} uses) as a
 * Java regex that matches the same text.
 *
 * <p>Differences found, and what is done about them:
 * <ul>
 *   <li>{@code \s}, {@code \w}, {@code \d} are Unicode classes in Oniguruma; Java's are ASCII unless compiled
 *       with {@link Pattern#UNICODE_CHARACTER_CLASS}, which is always used here.</li>
 *   <li>{@code (?i)} folds case over all of Unicode in Oniguruma; Java needs {@link Pattern#UNICODE_CASE}
 *       (implied by UNICODE_CHARACTER_CLASS), e.g. for {@code (?i:'s)} against U+017F LATIN SMALL LETTER LONG S.</li>
 *   <li>Unicode versions: the Rust side classes characters by Unicode 16, Java 17 by Unicode 13, so letters and
 *       digits assigned since (Arabic U+0870.., Kawi, Toto, CJK extensions H and I, ...) were "other" to Java and
 *       split words apart (found with a probe vocab against Hugging Face, see RegexVsRustTest). {@code \p{L}} and
 *       {@code \p{N}} are rewritten to include {@link UnicodeUpdate}'s ranges.</li>
 * </ul>
 * Real text (the UDHR in 500+ languages, code, emoji) gave no other difference on the Llama 3 and Qwen2 patterns.
 */
final class RegexDialect {
    private RegexDialect() {
    }

    static Pattern compile(String regex) {
        return Pattern.compile(updateClasses(regex), Pattern.UNICODE_CHARACTER_CLASS);
    }

    /** {@code \p{L}}, {@code \pL}, {@code \p{N}}, {@code \pN} with the code points Unicode 14-16 added to them. */
    static String updateClasses(String regex) {
        StringBuilder out = new StringBuilder(regex.length() + 64);
        int depth = 0;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                String cls = null;
                int next = i + 2;
                if (regex.startsWith("\\p{L}", i) || regex.startsWith("\\pL", i)) {
                    cls = "L";
                    next = i + (regex.charAt(i + 2) == '{' ? 5 : 3);
                } else if (regex.startsWith("\\p{N}", i) || regex.startsWith("\\pN", i)) {
                    cls = "N";
                    next = i + (regex.charAt(i + 2) == '{' ? 5 : 3);
                }
                if (cls == null) {
                    out.append(regex, i, next);
                } else {
                    String extra = ranges(cls.equals("L") ? 1 : 2);
                    out.append(depth > 0 ? "\\p{" + cls + "}" + extra : "[\\p{" + cls + "}" + extra + "]");
                }
                i = next - 1;
            } else {
                if (c == '[') {
                    depth++;
                } else if (c == ']' && depth > 0) {
                    depth--;
                }
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String ranges(int cls) {
        StringBuilder sb = new StringBuilder();
        int[] r = UnicodeUpdate.RANGES;
        for (int k = 0; k < r.length; k += 3) {
            if (r[k + 2] == cls) {
                sb.append(String.format("\\x{%X}-\\x{%X}", r[k], r[k + 1]));
            }
        }
        return sb.toString();
    }
}
