package ai.stratum.data.read;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeVisitor;

import java.util.ArrayList;
import java.util.List;

/**
 * HTML to main text on jsoup's DOM, dropping navigation and boilerplate: the reference for
 * {@link StreamingHtmlExtractor}, and the {@code extractor: jsoup} choice of a recipe.
 *
 * <p>Three passes: (1) remove elements that never hold main text (scripts, styles, forms, {@code nav},
 * {@code header}, {@code footer}, {@code aside}, ARIA navigation/banner/contentinfo roles, hidden elements);
 * (2) remove elements whose id or class names a boilerplate region (menu, sidebar, breadcrumb, cookie banner,
 * share buttons, comments, ads); (3) remove link-dense blocks (more than half their text inside links: link
 * lists, tag clouds, pagers). What is left is written out one block element per line, whitespace collapsed
 * except inside {@code pre}.
 */
public final class HtmlExtractor implements HtmlTextExtractor {
    @Override
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
        if (ExtractionRules.NEVER_TEXT.contains(el.normalName())) {
            return true;
        }
        if (el.attributesSize() == 0) {
            return false;
        }
        var attrs = el.attributes();
        return ExtractionRules.boilerplateAttributes(attrs.getIgnoreCase("role"), attrs.hasKeyIgnoreCase("hidden"),
                attrs.getIgnoreCase("aria-hidden"), attrs.getIgnoreCase("id"), attrs.getIgnoreCase("class"));
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
                String whole = t.getWholeText();
                int n = ExtractionRules.nonSpaceLength(whole, 0, whole.length());
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
        if (el.parent() != null && ExtractionRules.LINK_DENSITY_CHECKED.contains(el.normalName()) && text > 0
                && link > ExtractionRules.MAX_LINK_DENSITY * text) {
            remove.add(el);
            return new int[] {0, 0};
        }
        return new int[] {text, link};
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
                if (ExtractionRules.BLOCKS.contains(e.normalName())) {
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
                if (ExtractionRules.BLOCKS.contains(e.normalName())) {
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
            return ExtractionRules.lines(out);
        }
    }
}
