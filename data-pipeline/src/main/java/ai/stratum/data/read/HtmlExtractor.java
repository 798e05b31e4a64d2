package ai.stratum.data.read;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeVisitor;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * HTML to main text on jsoup, dropping navigation and boilerplate.
 *
 * <p>Three passes: (1) remove elements that never hold main text (scripts, styles, forms, {@code nav},
 * {@code header}, {@code footer}, {@code aside}, ARIA navigation/banner/contentinfo roles, hidden elements);
 * (2) remove elements whose id or class names a boilerplate region (menu, sidebar, breadcrumb, cookie banner,
 * share buttons, comments, ads); (3) remove link-dense blocks (more than half their text inside links: link
 * lists, tag clouds, pagers). What is left is written out one block element per line, whitespace collapsed
 * except inside {@code pre}.
 */
public final class HtmlExtractor {
    private static final Set<String> NEVER_TEXT = Set.of("script", "style", "noscript", "template", "svg", "canvas",
            "object", "embed", "nav", "header", "footer", "aside", "form", "iframe", "button", "select", "input",
            "textarea", "menu", "head");
    private static final Set<String> NEVER_TEXT_ROLES = Set.of("navigation", "banner", "contentinfo", "complementary",
            "search");
    /** Words that name a boilerplate region when they appear as a token of an id or class ({@code site-nav}). */
    private static final Set<String> BOILERPLATE_WORDS = Set.of("nav", "navbar", "navigation", "menu", "breadcrumb",
            "breadcrumbs", "footer", "masthead", "sidebar", "sidenav", "toc", "cookie", "cookies", "consent", "banner",
            "share", "sharing", "social", "related", "comment", "comments", "advert", "ads", "sponsored",
            "subscribe", "newsletter", "popup", "modal", "skip", "pagination", "pager");
    private static final int LONGEST_BOILERPLATE_WORD = 10;
    private static final Set<String> LINK_DENSITY_CHECKED = Set.of("ul", "ol", "dl", "div", "table", "p", "section");
    private static final Set<String> BLOCKS = Set.of("p", "div", "section", "article", "main", "h1", "h2", "h3", "h4",
            "h5", "h6", "li", "dt", "dd", "tr", "td", "th", "pre", "blockquote", "figcaption", "caption", "table",
            "ul", "ol", "dl", "br", "hr", "address", "details", "summary", "body");
    private static final double MAX_LINK_DENSITY = 0.5;

    /** The main text of an HTML page, one block per line. */
    public String extract(String html) {
        return extract(Jsoup.parse(html));
    }

    private String extract(org.jsoup.nodes.Document page) {
        Element body = page.body();
        if (body == null) {
            return "";
        }
        List<Element> remove = new ArrayList<>();
        collectBoilerplate(body, remove);
        remove.forEach(Element::remove);
        remove.clear();
        measureLinks(body, remove);
        remove.forEach(Element::remove);
        TextWriter writer = new TextWriter();
        body.traverse(writer);
        return writer.text();
    }

    /** Passes 1 and 2 in one walk: elements that never hold main text or are named as boilerplate. */
    private static void collectBoilerplate(Element el, List<Element> remove) {
        for (Element child : el.children()) {
            if (isBoilerplate(child)) {
                remove.add(child);
            } else {
                collectBoilerplate(child, remove);
            }
        }
    }

    private static boolean isBoilerplate(Element el) {
        if (NEVER_TEXT.contains(el.normalName())) {
            return true;
        }
        if (el.attributesSize() == 0) {
            return false;
        }
        var attrs = el.attributes();
        String role = attrs.getIgnoreCase("role");
        if (!role.isEmpty() && NEVER_TEXT_ROLES.contains(role.toLowerCase(java.util.Locale.ROOT))) {
            return true;
        }
        if (attrs.hasKeyIgnoreCase("hidden") || "true".equalsIgnoreCase(attrs.getIgnoreCase("aria-hidden"))) {
            return true;
        }
        String id = attrs.getIgnoreCase("id");
        String cls = attrs.getIgnoreCase("class");
        return namesBoilerplate(id) || namesBoilerplate(cls);
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
                    && BOILERPLATE_WORDS.contains(name.substring(start, i).toLowerCase(java.util.Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isNameSeparator(char c) {
        return c == '-' || c == '_' || Character.isWhitespace(c);
    }

    /**
     * Pass 3: returns {text length, link text length} under el and collects link-dense blocks (whose subtree
     * then counts as empty) into {@code remove}.
     */
    private static int[] measureLinks(Element el, List<Element> remove) {
        int text = 0;
        int link = 0;
        boolean isLink = el.nameIs("a");
        for (Node child : el.childNodes()) {
            if (child instanceof TextNode t) {
                int n = nonSpaceLength(t.getWholeText());
                text += n;
                if (isLink) {
                    link += n;
                }
            } else if (child instanceof Element c) {
                int[] sub = measureLinks(c, remove);
                text += sub[0];
                link += isLink ? sub[0] : sub[1];
            }
        }
        if (el.parent() != null && LINK_DENSITY_CHECKED.contains(el.normalName()) && text > 0
                && link > MAX_LINK_DENSITY * text) {
            remove.add(el);
            return new int[] {0, 0};
        }
        return new int[] {text, link};
    }

    private static int nonSpaceLength(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isWhitespace(s.charAt(i))) {
                n++;
            }
        }
        return n;
    }

    /** Writes text nodes with collapsed whitespace, a line break at each block boundary. */
    private static final class TextWriter implements NodeVisitor {
        private final StringBuilder out = new StringBuilder();
        private int preDepth;
        private boolean pendingSpace;

        @Override
        public void head(Node node, int depth) {
            if (node instanceof TextNode t) {
                if (preDepth > 0) {
                    out.append(t.getWholeText());
                    return;
                }
                appendCollapsed(t.getWholeText());
            } else if (node instanceof Element e) {
                if (e.nameIs("pre")) {
                    preDepth++;
                }
                if (BLOCKS.contains(e.normalName())) {
                    newline();
                }
            }
        }

        @Override
        public void tail(Node node, int depth) {
            if (node instanceof Element e) {
                if (e.nameIs("pre")) {
                    preDepth--;
                }
                if (BLOCKS.contains(e.normalName())) {
                    newline();
                }
            }
        }

        private void appendCollapsed(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (Character.isWhitespace(c) || c == '\u00a0') {
                    pendingSpace = true;
                } else {
                    if (pendingSpace && out.length() > 0 && out.charAt(out.length() - 1) != '\n') {
                        out.append(' ');
                    }
                    pendingSpace = false;
                    out.append(c);
                }
            }
        }

        private void newline() {
            pendingSpace = false;
            if (out.length() > 0 && out.charAt(out.length() - 1) != '\n') {
                out.append('\n');
            }
        }

        String text() {
            StringBuilder clean = new StringBuilder(out.length());
            for (String line : out.toString().split("\n")) {
                String stripped = line.strip();
                if (!stripped.isEmpty()) {
                    if (clean.length() > 0) {
                        clean.append('\n');
                    }
                    clean.append(stripped);
                }
            }
            return clean.toString();
        }
    }
}
