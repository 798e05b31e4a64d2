package ai.stratum.data.read;

import java.util.Locale;
import java.util.Set;

/**
 * What counts as boilerplate and as a block, shared by both extractors so that they cannot drift apart.
 *
 * <p>An element is dropped with everything inside it if its tag never holds main text ({@link #NEVER_TEXT}), its
 * ARIA role names a navigation region, it is hidden ({@code hidden}, {@code aria-hidden="true"}), or a token of its
 * id or class is a boilerplate word. After that, a {@link #LINK_DENSITY_CHECKED} element more than half of whose
 * non-space characters are inside links is dropped too (link lists, tag clouds, pagers).
 */
final class ExtractionRules {
    static final Set<String> NEVER_TEXT = Set.of("script", "style", "noscript", "template", "svg", "canvas",
            "object", "embed", "nav", "header", "footer", "aside", "form", "iframe", "button", "select", "input",
            "textarea", "menu", "head");
    static final Set<String> NEVER_TEXT_ROLES = Set.of("navigation", "banner", "contentinfo", "complementary",
            "search");
    /** Words that name a boilerplate region when they appear as a token of an id or class ({@code site-nav}). */
    static final Set<String> BOILERPLATE_WORDS = Set.of("nav", "navbar", "navigation", "menu", "breadcrumb",
            "breadcrumbs", "footer", "masthead", "sidebar", "sidenav", "toc", "cookie", "cookies", "consent", "banner",
            "share", "sharing", "social", "related", "comment", "comments", "advert", "ads", "sponsored",
            "subscribe", "newsletter", "popup", "modal", "skip", "pagination", "pager");
    static final Set<String> LINK_DENSITY_CHECKED = Set.of("ul", "ol", "dl", "div", "table", "p", "section");
    static final Set<String> BLOCKS = Set.of("p", "div", "section", "article", "main", "h1", "h2", "h3", "h4",
            "h5", "h6", "li", "dt", "dd", "tr", "td", "th", "pre", "blockquote", "figcaption", "caption", "table",
            "ul", "ol", "dl", "br", "hr", "address", "details", "summary", "body");
    static final double MAX_LINK_DENSITY = 0.5;
    private static final int LONGEST_BOILERPLATE_WORD = 10;

    private ExtractionRules() {
    }

    /**
     * True if the attributes mark an element as boilerplate (its tag aside); each argument is the attribute's
     * value, or null if absent.
     */
    static boolean boilerplateAttributes(String role, boolean hidden, String ariaHidden, String id, String cls) {
        if (role != null && !role.isEmpty() && NEVER_TEXT_ROLES.contains(role.toLowerCase(Locale.ROOT))) {
            return true;
        }
        if (hidden || "true".equalsIgnoreCase(ariaHidden)) {
            return true;
        }
        return (id != null && namesBoilerplate(id)) || (cls != null && namesBoilerplate(cls));
    }

    /** True if a token of the name (split on '-', '_' and whitespace), lowercased, is a boilerplate word. */
    static boolean namesBoilerplate(String name) {
        int n = name.length();
        int i = 0;
        while (i < n) {
            while (i < n && isNameSeparator(name.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !isNameSeparator(name.charAt(i))) {
                i++;
            }
            int len = i - start;
            if (len >= 2 && len <= LONGEST_BOILERPLATE_WORD
                    && BOILERPLATE_WORDS.contains(name.substring(start, i).toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    /** {@link #BOILERPLATE_WORDS} as {@link #letterCode}s in an open-addressing table (0: empty slot). */
    private static final long[] BOILERPLATE_CODES = new long[128];

    static {
        for (String w : BOILERPLATE_WORDS) {
            long code = letterCode(w.toCharArray(), 0, w.length());
            int slot = slot(code);
            while (BOILERPLATE_CODES[slot] != 0) {
                slot = (slot + 1) & (BOILERPLATE_CODES.length - 1);
            }
            BOILERPLATE_CODES[slot] = code;
        }
    }

    private static int slot(long code) {
        return (int) (code ^ (code >>> 7) ^ (code >>> 19) ^ (code >>> 37)) & (BOILERPLATE_CODES.length - 1);
    }

    private static boolean isBoilerplateCode(long code) {
        for (int slot = slot(code); ; slot = (slot + 1) & (BOILERPLATE_CODES.length - 1)) {
            long c = BOILERPLATE_CODES[slot];
            if (c == code) {
                return true;
            }
            if (c == 0) {
                return false;
            }
        }
    }

    /**
     * {@link #namesBoilerplate} of {@code name[from, to)}, which must be ASCII: the same tokens, compared as codes
     * of their letters instead of as lowercased substrings.
     */
    static boolean namesBoilerplateAscii(char[] name, int from, int to) {
        int i = from;
        while (i < to) {
            while (i < to && isAsciiNameSeparator(name[i])) {
                i++;
            }
            int start = i;
            while (i < to && !isAsciiNameSeparator(name[i])) {
                i++;
            }
            int len = i - start;
            if (len >= 2 && len <= LONGEST_BOILERPLATE_WORD) {
                long code = letterCode(name, start, i);
                if (code > 0 && isBoilerplateCode(code)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The ASCII letters of {@code s[from, to)} (at most 12) lowercased, 5 bits each: equal codes for equal
     * lowercased words; -1 if a character is not an ASCII letter (no boilerplate word has one).
     */
    private static long letterCode(char[] s, int from, int to) {
        long code = 0;
        for (int i = from; i < to; i++) {
            char c = s[i];
            int letter = (c >= 'A' && c <= 'Z') ? c - 'A' + 1 : (c >= 'a' && c <= 'z') ? c - 'a' + 1 : 0;
            if (letter == 0) {
                return -1;
            }
            code = (code << 5) | letter;
        }
        return code;
    }

    /** {@link #isNameSeparator} of an ASCII char: the ASCII whitespace of {@link Character#isWhitespace}. */
    private static boolean isAsciiNameSeparator(char c) {
        return c == '-' || c == '_' || c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\u001c' && c <= '\u001f');
    }

    private static boolean isNameSeparator(char c) {
        return c == '-' || c == '_' || Character.isWhitespace(c);
    }

    /** Characters that are not whitespace ({@link Character#isWhitespace}; a no-break space counts). */
    static int nonSpaceLength(CharSequence s, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            if (!Character.isWhitespace(s.charAt(i))) {
                n++;
            }
        }
        return n;
    }

    /**
     * The final layout: the raw output split into lines, each stripped of whitespace, empty lines dropped, joined
     * with single newlines.
     */
    static String lines(CharSequence raw) {
        char[] chars = new char[raw.length()];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = raw.charAt(i);
        }
        return lines(chars, chars.length);
    }

    /** {@link #lines(CharSequence)} of {@code raw[0, n)}, compacted in place (the result never runs ahead of it). */
    static String lines(char[] raw, int n) {
        int len = 0;
        int start = 0;
        while (start <= n) {
            int end = start;
            while (end < n && raw[end] != '\n') {
                end++;
            }
            int a = start;
            int b = end;
            while (a < b && Character.isWhitespace(raw[a])) {
                a++;
            }
            while (b > a && Character.isWhitespace(raw[b - 1])) {
                b--;
            }
            if (b > a) {
                if (len > 0) {
                    raw[len++] = '\n';
                }
                System.arraycopy(raw, a, raw, len, b - a);
                len += b - a;
            }
            start = end + 1;
        }
        return new String(raw, 0, len);
    }
}
