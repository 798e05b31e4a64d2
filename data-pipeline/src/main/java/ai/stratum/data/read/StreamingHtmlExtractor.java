package ai.stratum.data.read;

import org.jsoup.nodes.Entities;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * HTML to main text in one pass without a DOM: a tokenizer over the page feeds an element stack that follows the
 * tree-building rules jsoup (1.18) applies, and the {@link ExtractionRules} are applied as elements open and
 * close. An element is hidden (with everything inside) when it opens if its tag or attributes name it
 * boilerplate; the text of visible elements is written as it arrives, with the output position recorded when each
 * element opens, so that a link-dense block found when it closes is cut back out. The output equals
 * {@link HtmlExtractor}'s (which parses into a DOM, removes, measures and then walks it) on well-formed pages and on
 * the common kinds of broken markup: unclosed {@code p}, {@code li}, {@code dt}/{@code dd}, table cells and rows,
 * {@code option}, headings, stray and misnested end tags, an {@code a} left open across a paragraph, a
 * {@code form} end tag inside an open block, bare {@code <} and {@code &}, unterminated comments, EOF anywhere.
 *
 * <p>Formatting elements ({@code a}, {@code b}, {@code font}...) follow HTML's list of active formatting elements:
 * one closed implicitly is reopened before the next text, and one misnested across a block goes through the
 * adoption agency algorithm (the block moves out of it and gets a copy of it around its content). Not reproduced,
 * for pages that need them: (1) foster parenting: an element written directly inside a table outside its cells,
 * which the DOM moves in front of the table, keeps its place here (its lines come out after the table's earlier
 * lines, count toward the table's link density, and are hidden with the table); (2) text already dropped inside an
 * element hidden by its tag or attributes (not a formatting element) that the adoption agency algorithm later moves
 * out of it stays dropped, since a single pass cannot take back what it has skipped ({@code <a>x<canvas><p>y</a>}).
 * The bench corpus (3833 Debian and Python documentation pages) has none of either: both extractors give the same
 * text on every page.
 */
public final class StreamingHtmlExtractor implements HtmlTextExtractor {
    // tag flags
    private static final int NEVER = 1;
    private static final int BLOCK = 1 << 1;
    private static final int CHECKED = 1 << 2;
    private static final int VOID = 1 << 3;
    private static final int RAW = 1 << 4;
    private static final int RCDATA = 1 << 5;
    private static final int SPECIAL = 1 << 6;
    private static final int CLOSES_P = 1 << 7;
    private static final int HEADING = 1 << 8;
    private static final int SCOPE = 1 << 9;
    private static final int FORMATTING = 1 << 10;
    private static final int SECTION = 1 << 11;
    private static final int KEEPS_AFE = 1 << 12;
    private static final int END_IN_SCOPE = 1 << 13;
    private static final int PRE = 1 << 14;
    private static final int LINK = 1 << 15;
    private static final int MARKER = 1 << 16;
    private static final int CELL = 1 << 17;
    private static final int HEAD_ONLY = 1 << 18;
    private static final int IMPLIED_END = 1 << 19;
    /** No such attribute on the tag being read. */
    private static final int ABSENT = -2;

    // tag ids: the names the tree builder tests, then (from 1 + 56) the other names with flags, then
    // (per page) names it does not know
    private static final int T_HTML = 1;
    private static final int T_HEAD = 2;
    private static final int T_BODY = 3;
    private static final int T_TITLE = 4;
    private static final int T_SCRIPT = 5;
    private static final int T_STYLE = 6;
    private static final int T_NOFRAMES = 7;
    private static final int T_NOSCRIPT = 8;
    private static final int T_TEMPLATE = 9;
    private static final int T_FRAMESET = 10;
    private static final int T_CAPTION = 11;
    private static final int T_COL = 12;
    private static final int T_COLGROUP = 13;
    private static final int T_FRAME = 14;
    private static final int T_TBODY = 15;
    private static final int T_TD = 16;
    private static final int T_TFOOT = 17;
    private static final int T_TH = 18;
    private static final int T_THEAD = 19;
    private static final int T_TR = 20;
    private static final int T_LI = 21;
    private static final int T_DD = 22;
    private static final int T_DT = 23;
    private static final int T_A = 24;
    private static final int T_NOBR = 25;
    private static final int T_BUTTON = 26;
    private static final int T_OPTION = 27;
    private static final int T_OPTGROUP = 28;
    private static final int T_FORM = 29;
    private static final int T_IMAGE = 30;
    private static final int T_IMG = 31;
    private static final int T_PRE = 32;
    private static final int T_LISTING = 33;
    private static final int T_PLAINTEXT = 34;
    private static final int T_TABLE = 35;
    private static final int T_HR = 36;
    private static final int T_XMP = 37;
    private static final int T_SELECT = 38;
    private static final int T_INPUT = 39;
    private static final int T_KEYGEN = 40;
    private static final int T_TEXTAREA = 41;
    private static final int T_P = 42;
    private static final int T_H1 = 43;
    private static final int T_H2 = 44;
    private static final int T_H3 = 45;
    private static final int T_H4 = 46;
    private static final int T_H5 = 47;
    private static final int T_H6 = 48;
    private static final int T_APPLET = 49;
    private static final int T_MARQUEE = 50;
    private static final int T_OBJECT = 51;
    private static final int T_BR = 52;
    private static final int T_ADDRESS = 53;
    private static final int T_DIV = 54;
    private static final int T_OL = 55;
    private static final int T_UL = 56;
    private static final int FIRST_OTHER = 57;

    /** Tag names by id (index 0 unused). */
    private static final List<String> NAMES = new ArrayList<>(List.of("",
            "html", "head", "body", "title", "script", "style", "noframes", "noscript", "template", "frameset",
            "caption", "col", "colgroup", "frame", "tbody", "td", "tfoot", "th", "thead", "tr", "li", "dd", "dt", "a",
            "nobr", "button", "option", "optgroup", "form", "image", "img", "pre", "listing", "plaintext", "table",
            "hr", "xmp", "select", "input", "keygen", "textarea", "p", "h1", "h2", "h3", "h4", "h5", "h6", "applet",
            "marquee", "object", "br", "address", "div", "ol", "ul"));
    /** Ids of the known tag names. */
    private static final Map<String, Integer> IDS = new HashMap<>();
    /** Flags by id; ids of names the table does not know have none. */
    private static int[] FLAGS = new int[128];
    /** Open addressing from the hash of a lowercase ASCII name to its id (0: empty). */
    private static final int[] TABLE = new int[512];
    private static final char[][] NAME_CHARS;
    private static final int LONGEST_NAME;

    static {
        for (int i = 1; i < NAMES.size(); i++) {
            IDS.put(NAMES.get(i), i);
        }
        for (String t : ExtractionRules.NEVER_TEXT) {
            add(t, NEVER);
        }
        for (String t : ExtractionRules.BLOCKS) {
            add(t, BLOCK);
        }
        for (String t : ExtractionRules.LINK_DENSITY_CHECKED) {
            add(t, CHECKED);
        }
        for (String t : new String[] {"area", "base", "basefont", "bgsound", "br", "col", "embed", "hr", "img",
                "input", "keygen", "link", "meta", "param", "source", "track", "wbr", "image", "frame"}) {
            add(t, VOID);
        }
        for (String t : new String[] {"script", "style", "xmp", "iframe", "noembed", "noframes"}) {
            add(t, RAW);
        }
        add("title", RCDATA);
        add("textarea", RCDATA);
        for (String t : new String[] {"address", "applet", "area", "article", "aside", "base", "basefont", "bgsound",
                "blockquote", "body", "br", "button", "caption", "center", "col", "colgroup", "command", "dd",
                "details", "dir", "div", "dl", "dt", "embed", "fieldset", "figcaption", "figure", "footer", "form",
                "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr", "html",
                "iframe", "img", "input", "isindex", "li", "link", "listing", "marquee", "menu", "meta", "nav",
                "noembed", "noframes", "noscript", "object", "ol", "p", "param", "plaintext", "pre", "script",
                "section", "select", "style", "summary", "table", "tbody", "td", "textarea", "tfoot", "th", "thead",
                "title", "tr", "ul", "wbr", "xmp"}) {
            add(t, SPECIAL);
        }
        for (String t : new String[] {"address", "article", "aside", "blockquote", "center", "details", "dir", "div",
                "dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup", "menu", "nav", "ol", "p",
                "section", "summary", "ul"}) {
            add(t, CLOSES_P);
        }
        for (String t : new String[] {"address", "article", "aside", "blockquote", "button", "center", "details",
                "dir", "div", "dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup", "listing", "menu",
                "nav", "ol", "pre", "section", "summary", "ul"}) {
            add(t, END_IN_SCOPE);
        }
        for (String t : new String[] {"h1", "h2", "h3", "h4", "h5", "h6"}) {
            add(t, HEADING);
        }
        for (String t : new String[] {"applet", "caption", "html", "marquee", "object", "table", "td", "th",
                "template"}) {
            add(t, SCOPE);
        }
        for (String t : new String[] {"b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong",
                "tt", "u"}) {
            add(t, FORMATTING);
        }
        for (String t : new String[] {"tbody", "thead", "tfoot"}) {
            add(t, SECTION);
        }
        // start tags that do not reconstruct an <a> closed implicitly (HTML's "active formatting elements")
        for (String t : new String[] {"address", "article", "aside", "blockquote", "center", "details", "dir", "div",
                "dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup", "menu", "nav", "ol", "p",
                "section", "summary", "ul", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "listing", "form", "li", "dd",
                "dt", "plaintext", "table", "hr", "param", "source", "track", "textarea", "iframe", "noembed",
                "caption", "col", "colgroup", "frame", "head", "tbody", "td", "tfoot", "th", "thead", "tr", "html",
                "body", "frameset", "base", "basefont", "bgsound", "link", "meta", "noframes", "script", "style",
                "template", "title"}) {
            add(t, KEEPS_AFE);
        }
        for (String t : new String[] {"applet", "marquee", "object", "td", "th", "caption"}) {
            add(t, MARKER);
        }
        add("td", CELL);
        add("th", CELL);
        add("pre", PRE);
        // other HTML and SVG elements common on the web: no flags, listed so that their names are found in the table
        // rather than made into strings
        for (String t : new String[] {"span", "abbr", "acronym", "bdi", "bdo", "cite", "data", "del", "dfn", "ins",
                "kbd", "label", "mark", "q", "rp", "rt", "ruby", "samp", "sub", "sup", "time", "var", "audio", "video",
                "picture", "map", "legend", "datalist", "output", "progress", "meter", "dialog", "slot", "search",
                "math", "mi", "mo", "mn", "msup", "mrow", "g", "path", "rect", "circle", "ellipse", "line", "polyline",
                "polygon", "use", "defs", "symbol", "clippath", "lineargradient", "stop", "tspan", "text", "desc",
                "mask", "pattern", "filter", "foreignobject"}) {
            add(t, 0);
        }
        add("a", LINK);
        for (String t : new String[] {"base", "basefont", "bgsound", "link", "meta"}) {
            add(t, HEAD_ONLY);
        }
        for (String t : new String[] {"dd", "dt", "li", "optgroup", "option", "p", "rb", "rp", "rt", "rtc"}) {
            add(t, IMPLIED_END);
        }
    }

    private static void add(String tag, int flag) {
        int id = IDS.computeIfAbsent(tag, t -> {
            NAMES.add(t);
            return NAMES.size() - 1;
        });
        if (id >= FLAGS.length) {
            FLAGS = Arrays.copyOf(FLAGS, 2 * id);
        }
        FLAGS[id] |= flag;
    }

    static {
        NAME_CHARS = new char[NAMES.size()][];
        int longest = 0;
        for (int id = 1; id < NAMES.size(); id++) {
            char[] name = NAMES.get(id).toCharArray();
            NAME_CHARS[id] = name;
            longest = Math.max(longest, name.length);
            int h = 0;
            for (char c : name) {
                h = 31 * h + c;
            }
            int slot = mix(h);
            while (TABLE[slot] != 0) {
                slot = (slot + 1) & (TABLE.length - 1);
            }
            TABLE[slot] = id;
        }
        LONGEST_NAME = longest;
        FLAGS = Arrays.copyOf(FLAGS, NAMES.size());
    }

    private static int mix(int h) {
        return (h ^ (h >>> 9) ^ (h >>> 17)) & (TABLE.length - 1);
    }

    /** The id of a known lowercase tag name, or 0. */
    private static int knownId(String name) {
        Integer id = IDS.get(name);
        return id == null ? 0 : id;
    }

    /** Flags of a tag id (none for a name the table does not know). */
    private static int flagsOf(int id) {
        return id < FLAGS.length ? FLAGS[id] : 0;
    }

    /** jsoup maps numeric references 0x80-0x9F to windows-1252's characters where that code page defines one. */
    private static final char[] WIN1252 = new char[32];

    static {
        Charset cp1252 = Charset.forName("windows-1252");
        for (int i = 0; i < 32; i++) {
            char c = cp1252.decode(ByteBuffer.wrap(new byte[] {(byte) (0x80 + i)})).charAt(0);
            WIN1252[i] = c == '\uFFFD' ? (char) (0x80 + i) : c;
        }
    }

    @Override
    public String extract(String html) {
        Scratch scratch = SCRATCH.get();
        Pass pass = new Pass(html, scratch);
        String text = pass.run();
        if (pass.out.length <= Scratch.KEPT) {
            scratch.out = pass.out;
        }
        return text;
    }

    /**
     * Arrays a thread reuses from page to page instead of allocating (and zeroing) them per page: the page's
     * characters and the text written; up to {@link #KEPT} chars each are kept.
     */
    private static final class Scratch {
        static final int KEPT = 1 << 22;
        char[] page = new char[0];
        char[] out = new char[1024];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** The state of one extraction. */
    private static final class Pass {
        private final String s;
        /**
         * The page's characters in {@code cs[0, n)} (the array is reused and may be longer): array reads stay cheap
         * before the JIT has optimized String.charAt, and the compiled code has no Latin-1/UTF-16 variants.
         */
        private final char[] cs;
        private final int n;
        private int pos;
        private boolean inBody;
        /** The text written so far (length {@code outLength}); blocks cut for link density shorten it again. */
        private char[] out;
        private int outLength;
        private char[] decoded = new char[256];
        private int openTables;
        private final StringBuilder scratch = new StringBuilder();
        private boolean pendingSpace;
        private int preDepth;

        // the element stack, one entry per open element; index 0 is body once the body has started
        private int depth;
        private int[] names = new int[32];
        private int[] flags = new int[32];
        private boolean[] hidden = new boolean[32];
        private int[] text = new int[32];
        private int[] link = new int[32];
        private int[] mark = new int[32];
        private boolean[] markPending = new boolean[32];
        private int[] serial = new int[32];
        /** Whether the element's own tag or attributes name it boilerplate (a reopened copy inherits this). */
        private boolean[] own = new boolean[32];
        /**
         * Taken off HTML's stack of open elements while elements opened inside it are still open (a form closed
         * early, a link closed by the next one): it stays here as their ancestor and closes with the last of them.
         */
        private boolean[] detached = new boolean[32];
        private int serials;

        /**
         * HTML's list of active formatting elements ({@code a}, {@code b}, {@code font}...): the serial of each
         * element (or -1 for a marker), its name, flags and own boilerplate mark; one closed implicitly is reopened
         * from here before the next text, with the same attributes.
         */
        private int[] afeSerial = new int[8];
        private int[] afeName = new int[8];
        private int[] afeFlags = new int[8];
        private boolean[] afeOwn = new boolean[8];
        private int afeSize;
        /** Serial of the form element pointer, 0 when there is none (-1: a form that was never on the stack). */
        private int formPointer;
        private int selectDepth = -1;
        /** Ids of the tag names on this page that the table does not know, from {@code NAME_CHARS.length} on. */
        private Map<String, Integer> otherIds;

        // attributes of the tag being read
        // [from, to) of each kept attribute's value; from is ABSENT when the tag has no such attribute, -1 (an empty
        // value) when it has one without a value
        private int roleFrom = ABSENT;
        private int roleTo;
        private int ariaHiddenFrom = ABSENT;
        private int ariaHiddenTo;
        private int idFrom = ABSENT;
        private int idTo;
        private int classFrom = ABSENT;
        private int classTo;
        private boolean attrHiddenSeen;
        private boolean selfClosing;

        Pass(String html, Scratch scratch) {
            this.s = html;
            this.n = html.length();
            char[] page = scratch.page;
            if (page.length < n) {
                page = new char[n + (n >> 3)];
                if (page.length <= Scratch.KEPT) {
                    scratch.page = page;
                }
            }
            html.getChars(0, n, page, 0);
            this.cs = page;
            this.out = scratch.out;
        }

        String run() {
            while (pos < n) {
                int lt = s.indexOf('<', pos);
                if (lt < 0) {
                    characters(pos, n);
                    break;
                }
                if (lt > pos) {
                    characters(pos, lt);
                }
                markup(lt);
            }
            while (depth > 0) {
                pop();
            }
            return ExtractionRules.lines(out, outLength);
        }

        // ---------------------------------------------------------------- tokenizer

        /** Reads the markup that starts with the {@code <} at {@code lt}. */
        private void markup(int lt) {
            if (lt + 1 >= n) {
                characters(lt, n);
                pos = n;
                return;
            }
            char c = cs[lt + 1];
            if (isAsciiLetter(c)) {
                tag(lt + 1, true);
            } else if (c == '/') {
                if (lt + 2 >= n) {
                    characters(lt, n);
                    pos = n;
                } else if (isAsciiLetter(cs[lt + 2])) {
                    tag(lt + 2, false);
                } else if (cs[lt + 2] == '>') {
                    pos = lt + 3;
                } else {
                    pos = skipPast(lt + 2, '>');
                }
            } else if (c == '!') {
                declaration(lt + 2);
            } else if (c == '?') {
                pos = skipPast(lt + 1, '>');
            } else {
                characters(lt, lt + 1);
                pos = lt + 1;
            }
        }

        private int skipPast(int from, char c) {
            int at = s.indexOf(c, from);
            return at < 0 ? n : at + 1;
        }

        /** {@code <!--comment-->}, {@code <!DOCTYPE ...>}, {@code <![CDATA[...]]>} or a bogus comment. */
        private void declaration(int at) {
            if (s.startsWith("--", at)) {
                int body = at + 2;
                if (s.startsWith(">", body)) {
                    pos = body + 1;
                    return;
                }
                if (s.startsWith("->", body)) {
                    pos = body + 2;
                    return;
                }
                int i = body;
                while (true) {
                    int dash = s.indexOf("--", i);
                    if (dash < 0) {
                        pos = n;
                        return;
                    }
                    if (s.startsWith(">", dash + 2)) {
                        pos = dash + 3;
                        return;
                    }
                    if (s.startsWith("!>", dash + 2)) {
                        pos = dash + 4;
                        return;
                    }
                    i = dash + 1;
                }
            }
            if (s.startsWith("[CDATA[", at)) {
                int end = s.indexOf("]]>", at + 7);
                int stop = end < 0 ? n : end;
                if (stop > at + 7) {
                    rawCharacters(at + 7, stop);
                }
                pos = end < 0 ? n : end + 3;
                return;
            }
            pos = skipPast(at, '>');
        }

        /** A start tag (or, with {@code start} false, an end tag) whose name begins at {@code at}. */
        private void tag(int at, boolean start) {
            int i = at;
            while (i < n && !endsTagName(cs[i])) {
                i++;
            }
            int id = tagId(at, i);
            int end = attributes(i, start);
            if (end < 0) {
                pos = n;
                return;
            }
            pos = end;
            if (start) {
                startElement(id, flagsOf(id));
            } else {
                endElement(id, flagsOf(id));
            }
        }

        private static boolean endsTagName(char c) {
            return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '/' || c == '>' || c == '<';
        }

        private static boolean isAsciiLetter(char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        }

        /**
         * The id of the tag name {@code cs[from, to)}, lowercased: looked up in the table of known names without
         * making a string when it is ASCII (HTML's case-insensitivity is ASCII's); other names go through
         * {@link #otherTagId}.
         */
        private int tagId(int from, int to) {
            int len = to - from;
            if (len > LONGEST_NAME) {
                return otherTagId(from, to);
            }
            int h = 0;
            for (int i = from; i < to; i++) {
                char c = cs[i];
                if (c >= 128) {
                    return otherTagId(from, to);
                }
                h = 31 * h + (c >= 'A' && c <= 'Z' ? c + 32 : c);
            }
            for (int slot = mix(h); ; slot = (slot + 1) & (TABLE.length - 1)) {
                int id = TABLE[slot];
                if (id == 0) {
                    return otherTagId(from, to);
                }
                char[] name = NAME_CHARS[id];
                if (name.length == len && sameLowercase(name, from)) {
                    return id;
                }
            }
        }

        private boolean sameLowercase(char[] name, int from) {
            for (int k = 0; k < name.length; k++) {
                char c = cs[from + k];
                if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != name[k]) {
                    return false;
                }
            }
            return true;
        }

        /** A name not in the table (or not ASCII): lowercased as a string, a known id or one given for this page. */
        private int otherTagId(int from, int to) {
            String name = tagName(from, to);
            int id = knownId(name);
            if (id != 0) {
                return id;
            }
            if (otherIds == null) {
                otherIds = new HashMap<>();
            }
            return otherIds.computeIfAbsent(name, k -> NAME_CHARS.length + otherIds.size());
        }

        private String tagName(int from, int to) {
            for (int i = from; i < to; i++) {
                char c = cs[i];
                if (c >= 'A' && c <= 'Z') {
                    return s.substring(from, to).toLowerCase(java.util.Locale.ROOT);
                }
            }
            return s.substring(from, to);
        }

        /**
         * Reads attributes from {@code i} to the end of the tag; returns the position after its {@code >}, or -1 if
         * the page ends first (the tag is then dropped, as HTML's tokenizer does). A tag name that ended at a
         * {@code <} ends the tag there. Keeps the attributes the rules look at (first occurrence wins).
         */
        private int attributes(int i, boolean keep) {
            clearAttributes();
            if (i < n && cs[i] == '<') {
                return i;
            }
            while (true) {
                while (i < n && isSpace(cs[i])) {
                    i++;
                }
                if (i >= n) {
                    return -1;
                }
                char c = cs[i];
                if (c == '>') {
                    return i + 1;
                }
                if (c == '/') {
                    if (i + 1 < n && cs[i + 1] == '>') {
                        selfClosing = true;
                        return i + 2;
                    }
                    i++;
                    continue;
                }
                int nameStart = i;
                i++; // the first character belongs to the name even if it is '='
                while (i < n) {
                    char d = cs[i];
                    if (isSpace(d) || d == '/' || d == '>' || d == '=') {
                        break;
                    }
                    i++;
                }
                int nameEnd = i;
                while (i < n && isSpace(cs[i])) {
                    i++;
                }
                int valueStart = -1;
                int valueEnd = -1;
                if (i < n && cs[i] == '=') {
                    i++;
                    while (i < n && isSpace(cs[i])) {
                        i++;
                    }
                    if (i >= n) {
                        return -1;
                    }
                    char q = cs[i];
                    if (q == '"' || q == '\'') {
                        int close = s.indexOf(q, i + 1);
                        if (close < 0) {
                            return -1;
                        }
                        valueStart = i + 1;
                        valueEnd = close;
                        i = close + 1;
                    } else if (q == '>') {
                        valueStart = i;
                        valueEnd = i;
                    } else {
                        valueStart = i;
                        while (i < n && !isSpace(cs[i]) && cs[i] != '>') {
                            i++;
                        }
                        valueEnd = i;
                    }
                }
                if (keep) {
                    keepAttribute(nameStart, nameEnd, valueStart, valueEnd);
                }
            }
        }

        private void clearAttributes() {
            roleFrom = ABSENT;
            ariaHiddenFrom = ABSENT;
            idFrom = ABSENT;
            classFrom = ABSENT;
            attrHiddenSeen = false;
            selfClosing = false;
        }

        /** Records where the value of an attribute the rules look at is (its first occurrence). */
        private void keepAttribute(int nameStart, int nameEnd, int valueStart, int valueEnd) {
            int len = nameEnd - nameStart;
            if (len == 2 && regionIs(nameStart, "id")) {
                if (idFrom == ABSENT) {
                    idFrom = valueStart;
                    idTo = valueEnd;
                }
            } else if (len == 5 && regionIs(nameStart, "class")) {
                if (classFrom == ABSENT) {
                    classFrom = valueStart;
                    classTo = valueEnd;
                }
            } else if (len == 4 && regionIs(nameStart, "role")) {
                if (roleFrom == ABSENT) {
                    roleFrom = valueStart;
                    roleTo = valueEnd;
                }
            } else if (len == 6 && regionIs(nameStart, "hidden")) {
                attrHiddenSeen = true;
            } else if (len == 11 && regionIs(nameStart, "aria-hidden")) {
                if (ariaHiddenFrom == ABSENT) {
                    ariaHiddenFrom = valueStart;
                    ariaHiddenTo = valueEnd;
                }
            }
        }

        /**
         * Whether the page at {@code at} (with at least {@code name.length()} chars left) starts with the lowercase
         * ASCII {@code name} ignoring case as {@link String#regionMatches} does; ASCII is compared here, a region with
         * other characters by regionMatches itself.
         */
        private boolean regionIs(int at, String name) {
            for (int k = 0; k < name.length(); k++) {
                char c = cs[at + k];
                if (c >= 128) {
                    return s.regionMatches(true, at, name, 0, name.length());
                }
                if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != name.charAt(k)) {
                    return false;
                }
            }
            return true;
        }

        /** The value of a kept attribute, or null if absent. */
        private String attributeValue(int from, int to) {
            return from == ABSENT ? null : value(from, to);
        }

        /** {@link ExtractionRules#boilerplateAttributes} of the tag just read; id and class are read in place. */
        private boolean attributesBoilerplate() {
            if ((roleFrom != ABSENT || attrHiddenSeen || ariaHiddenFrom != ABSENT)
                    && ExtractionRules.boilerplateAttributes(attributeValue(roleFrom, roleTo), attrHiddenSeen,
                    attributeValue(ariaHiddenFrom, ariaHiddenTo), null, null)) {
                return true;
            }
            return (idFrom != ABSENT && namesBoilerplate(idFrom, idTo))
                    || (classFrom != ABSENT && namesBoilerplate(classFrom, classTo));
        }

        /** {@link ExtractionRules#namesBoilerplate} of an attribute value, without a string when it is plain ASCII. */
        private boolean namesBoilerplate(int from, int to) {
            if (from < 0) {
                return false;
            }
            for (int i = from; i < to; i++) {
                char c = cs[i];
                if (c >= 128 || c == '&') {
                    return ExtractionRules.namesBoilerplate(value(from, to));
                }
            }
            return ExtractionRules.namesBoilerplateAscii(cs, from, to);
        }

        private String value(int start, int end) {
            if (start < 0) {
                return "";
            }
            if (indexOf('&', start, end) < 0) {
                return s.substring(start, end);
            }
            StringBuilder sb = new StringBuilder(end - start);
            decode(start, end, true, sb);
            return sb.toString();
        }

        /** The first index of c in s[from, to), or -1 (String.indexOf would search to the end of the page). */
        private int indexOf(char c, int from, int to) {
            for (int i = from; i < to; i++) {
                if (cs[i] == c) {
                    return i;
                }
            }
            return -1;
        }

        private static boolean isSpace(char c) {
            return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
        }

        /** Skips the content of a raw-text or RCDATA element up to its end tag; returns the content's end. */
        private int rawContentEnd(String name) {
            int i = pos;
            int len = name.length();
            while (true) {
                int lt = s.indexOf('<', i);
                if (lt < 0) {
                    return n;
                }
                if (lt + 1 < n && cs[lt + 1] == '/') {
                    int after = lt + 2 + len;
                    if (after < n && regionIs(lt + 2, name) && (isSpace(cs[after]) || cs[after] == '/'
                            || cs[after] == '>')) {
                        return lt;
                    }
                    i = lt + 2;
                } else {
                    i = lt + 1;
                }
            }
        }

        /** Consumes a raw-text or RCDATA element's content and end tag; returns [start, end) of the content. */
        private long rawContent(int id) {
            String name = NAMES.get(id);
            int start = pos;
            int end = rawContentEnd(name);
            if (end >= n) {
                pos = n;
            } else {
                int close = attributes(end + 2 + name.length(), false);
                pos = close < 0 ? n : close;
            }
            return ((long) start << 32) | end;
        }

        // ---------------------------------------------------------------- character references

        /** Appends s[from, to) to sb with character references decoded as jsoup decodes them. */
        private void decode(int from, int to, boolean inAttribute, StringBuilder sb) {
            int i = from;
            while (i < to) {
                int amp = indexOf('&', i, to);
                if (amp < 0) {
                    sb.append(s, i, to);
                    return;
                }
                sb.append(s, i, amp);
                i = reference(amp, to, inAttribute, sb);
            }
        }

        /** Decodes the reference at {@code amp} into sb (or appends the '&' as is); returns where to go on. */
        private int reference(int amp, int to, boolean inAttribute, StringBuilder sb) {
            int i = amp + 1;
            if (i >= to) {
                sb.append('&');
                return i;
            }
            char c = cs[i];
            if (c == '#') {
                int j = i + 1;
                boolean hex = j < to && (cs[j] == 'x' || cs[j] == 'X');
                if (hex) {
                    j++;
                }
                int digitsStart = j;
                while (j < to && (hex ? Character.digit(cs[j], 16) >= 0 && cs[j] < 128
                        : cs[j] >= '0' && cs[j] <= '9')) {
                    j++;
                }
                if (j == digitsStart) {
                    sb.append('&');
                    return i;
                }
                int value;
                if (j - digitsStart > 8) {
                    value = -1;
                } else {
                    long v = Long.parseLong(s, digitsStart, j, hex ? 16 : 10);
                    value = v > Integer.MAX_VALUE ? -1 : (int) v;
                }
                if (j < to && cs[j] == ';') {
                    j++;
                }
                if (value < 0 || value > 0x10FFFF) {
                    sb.append('\uFFFD');
                } else if (value >= 0x80 && value < 0xA0) {
                    sb.append(WIN1252[value - 0x80]);
                } else {
                    sb.appendCodePoint(value);
                }
                return j;
            }
            int j = i;
            while (j < to && isAsciiLetter(cs[j])) {
                j++;
            }
            while (j < to && cs[j] >= '0' && cs[j] <= '9') {
                j++;
            }
            if (j == i) {
                sb.append('&');
                return i;
            }
            String name = s.substring(i, j);
            boolean semicolon = j < to && cs[j] == ';';
            boolean found = Entities.isBaseNamedEntity(name) || (semicolon && Entities.isNamedEntity(name));
            if (!found) {
                sb.append('&');
                return i;
            }
            if (inAttribute && j < to) {
                char d = cs[j];
                if (isAsciiLetter(d) || (d >= '0' && d <= '9') || d == '=' || d == '-' || d == '_') {
                    sb.append('&');
                    return i;
                }
            }
            sb.append(Entities.getByName(name));
            return semicolon ? j + 1 : j;
        }

        // ---------------------------------------------------------------- tree building

        /** Text s[from, to) from the page's data: references are decoded. */
        private void characters(int from, int to) {
            if (!inBody) {
                int i = from;
                while (i < to && isSpace(cs[i])) {
                    i++;
                }
                if (i == to) {
                    return;
                }
                startBody();
            }
            reconstruct();
            if (hidden[depth - 1]) {
                return;
            }
            if (indexOf('&', from, to) < 0) {
                write(cs, from, to);
            } else {
                scratch.setLength(0);
                decode(from, to, false, scratch);
                writeDecoded();
            }
        }

        /** Text that is taken as is (CDATA, raw-text elements). */
        private void rawCharacters(int from, int to) {
            if (!inBody) {
                startBody();
            }
            reconstruct();
            if (!hidden[depth - 1]) {
                write(cs, from, to);
            }
        }

        private void write(char[] t, int from, int to) {
            int top = depth - 1;
            if (outLength + 2 * (to - from) + 2 > out.length) {
                out = Arrays.copyOf(out, Math.max(out.length * 2, outLength + 2 * (to - from) + 2));
            }
            char[] o = out;
            int len = outLength;
            int count = 0;
            if (preDepth > 0) {
                for (int i = from; i < to; i++) {
                    char c = t[i];
                    if (!Character.isWhitespace(c)) {
                        count++;
                    }
                    o[len++] = c;
                }
            } else {
                boolean pending = pendingSpace;
                for (int i = from; i < to; i++) {
                    char c = t[i];
                    if (c <= ' ' ? Character.isWhitespace(c) : c >= '\u1680' && Character.isWhitespace(c)) {
                        pending = true;
                        continue;
                    }
                    if (c != '\u00a0') {
                        count++;
                    } else {
                        pending = true;
                        count++;
                        continue;
                    }
                    if (pending && len > 0 && o[len - 1] != '\n') {
                        o[len++] = ' ';
                    }
                    pending = false;
                    o[len++] = c;
                }
                pendingSpace = pending;
            }
            outLength = len;
            text[top] += count;
            if ((flags[top] & LINK) != 0) {
                link[top] += count;
            }
        }

        private void writeDecoded() {
            int len = scratch.length();
            if (decoded.length < len) {
                decoded = new char[Math.max(len, decoded.length * 2)];
            }
            scratch.getChars(0, len, decoded, 0);
            write(decoded, 0, len);
        }

        private void newline() {
            pendingSpace = false;
            if (outLength > 0 && out[outLength - 1] != '\n') {
                if (outLength == out.length) {
                    out = Arrays.copyOf(out, out.length * 2);
                }
                out[outLength++] = '\n';
            }
        }

        private void startBody() {
            inBody = true;
            push(T_BODY, FLAGS[T_BODY], false);
        }

        /** A start tag before the body: head elements stay in the head, anything else starts the body. */
        private void startElementBeforeBody(int name, int f) {
            switch (name) {
                case T_HTML, T_HEAD -> {
                }
                case T_BODY -> startBody();
                case T_TITLE, T_SCRIPT, T_STYLE, T_NOFRAMES, T_NOSCRIPT -> {
                    if (!selfClosing) {
                        rawContent(name);
                    }
                }
                case T_TEMPLATE -> {
                    if (!selfClosing) {
                        rawContent(name);
                    }
                }
                default -> {
                    if ((f & HEAD_ONLY) == 0) {
                        startBody();
                        startElement(name, f);
                    }
                }
            }
        }

        private void startElement(int name, int f) {
            if (!inBody) {
                startElementBeforeBody(name, f);
                return;
            }
            if (selectDepth >= 0) {
                startInSelect(name, f);
                return;
            }
            int table = nearestTable();
            if (table >= 0 && startInTable(name, table)) {
                return;
            }
            switch (name) {
                case T_HTML, T_BODY, T_HEAD, T_FRAMESET, T_CAPTION, T_COL, T_COLGROUP, T_FRAME, T_TBODY, T_TD,
                        T_TFOOT, T_TH, T_THEAD, T_TR -> {
                    return;
                }
                case T_LI -> closeListItem(false);
                case T_DD, T_DT -> closeListItem(true);
                case T_A -> closeOpenLink();
                case T_NOBR -> {
                    reconstruct();
                    if (inScope(T_NOBR, 0)) {
                        adoptionAgency(T_NOBR);
                    }
                }
                case T_BUTTON -> {
                    if (inScope(T_BUTTON, 0)) {
                        popUntil(T_BUTTON);
                    }
                }
                case T_OPTION -> {
                    if (names[depth - 1] == T_OPTION) {
                        pop();
                    }
                }
                case T_OPTGROUP -> {
                    if (names[depth - 1] == T_OPTION) {
                        pop();
                    }
                }
                case T_FORM -> {
                    if (formPointer != 0) {
                        return;
                    }
                }
                case T_IMAGE -> name = T_IMG;
                default -> {
                }
            }
            if ((f & (CLOSES_P | HEADING)) != 0 || name == T_PRE || name == T_LISTING
                    || name == T_FORM || name == T_LI || name == T_DD || name == T_DT
                    || name == T_PLAINTEXT || name == T_TABLE || name == T_HR || name == T_XMP) {
                closeParagraph();
            }
            if ((f & HEADING) != 0 && (flags[depth - 1] & HEADING) != 0) {
                pop();
            }
            if ((f & KEEPS_AFE) == 0) {
                reconstruct();
            }
            boolean own = ownBoilerplate(f);
            push(name, f, own);
            if ((f & (LINK | FORMATTING)) != 0) {
                afeAdd(serial[depth - 1], name, f, own);
            } else if ((f & MARKER) != 0) {
                afeAdd(-1, 0, 0, false);
            }
            if (name == T_FORM) {
                formPointer = serial[depth - 1];
            } else if (name == T_SELECT) {
                selectDepth = depth - 1;
            }
            if ((f & VOID) != 0 || selfClosing) {
                pop();
                return;
            }
            if ((f & (RAW | RCDATA)) != 0) {
                long range = rawContent(name);
                int start = (int) (range >>> 32);
                int end = (int) range;
                if (end > start && !hidden[depth - 1]) {
                    if ((f & RCDATA) != 0) {
                        scratch.setLength(0);
                        decode(start, end, false, scratch);
                        writeDecoded();
                    } else {
                        write(cs, start, end);
                    }
                }
                pop();
            } else if (name == T_PLAINTEXT) {
                if (!hidden[depth - 1]) {
                    write(cs, pos, n);
                }
                pos = n;
            }
        }

        /** In a select only options, option groups and the select's own end matter; other tags are ignored. */
        private void startInSelect(int name, int f) {
            switch (name) {
                case T_OPTION -> {
                    if (names[depth - 1] == T_OPTION) {
                        pop();
                    }
                    push(name, f, false);
                }
                case T_OPTGROUP -> {
                    if (names[depth - 1] == T_OPTION) {
                        pop();
                    }
                    if (names[depth - 1] == T_OPTGROUP) {
                        pop();
                    }
                    push(name, f, false);
                }
                case T_SELECT -> popUntil(T_SELECT);
                case T_INPUT, T_KEYGEN, T_TEXTAREA -> {
                    popUntil(T_SELECT);
                    startElement(name, f);
                }
                case T_SCRIPT, T_TEMPLATE -> {
                    push(name, f, false);
                    if (!selfClosing) {
                        rawContent(name);
                    }
                    pop();
                }
                default -> {
                }
            }
        }

        /**
         * Table structure inside the nearest open table (at stack index {@code table}): implied tbody, tr, and
         * cells closed by the next cell or row. Returns false for tags that follow the body's rules.
         */
        private boolean startInTable(int name, int table) {
            switch (name) {
                case T_CAPTION, T_TBODY, T_THEAD, T_TFOOT -> popTo(table);
                case T_TR -> openSection(table);
                case T_TD, T_TH -> {
                    int row = above(table, T_TR);
                    if (row >= 0) {
                        popTo(row);
                    } else {
                        openSection(table);
                        push(T_TR, FLAGS[T_TR], false);
                    }
                }
                case T_COLGROUP, T_COL -> {
                    popTo(table);
                    return true;
                }
                case T_TABLE -> {
                    if (inCellOrCaption(table)) {
                        return false;
                    }
                    popTo(table);
                    pop();
                    startElement(name, flagsOf(name));
                    return true;
                }
                case T_FORM -> {
                    if (inCellOrCaption(table)) {
                        return false;
                    }
                    if (formPointer == 0) {
                        formPointer = -1;
                    }
                    return true;
                }
                default -> {
                    return false;
                }
            }
            // one push for every table part (a single copy of push and the attribute rules in the compiled code)
            int f = flagsOf(name);
            push(name, f, ownBoilerplate(f));
            if (name == T_CAPTION || name == T_TD || name == T_TH) {
                afeAdd(-1, 0, 0, false);
                if (name != T_CAPTION && selfClosing) {
                    pop();
                }
            }
            return true;
        }

        /** Pops to the table's row group, opening an implied tbody if there is none. */
        private void openSection(int table) {
            int section = -1;
            for (int i = depth - 1; i > table; i--) {
                if (detached[i]) {
                    continue;
                }
                if ((flags[i] & SECTION) != 0) {
                    section = i;
                    break;
                }
            }
            if (section >= 0) {
                popTo(section);
            } else {
                popTo(table);
                push(T_TBODY, FLAGS[T_TBODY], false);
            }
        }

        private int above(int table, int name) {
            for (int i = depth - 1; i > table; i--) {
                if (detached[i]) {
                    continue;
                }
                if (name == names[i]) {
                    return i;
                }
            }
            return -1;
        }

        private boolean inCellOrCaption(int table) {
            for (int i = depth - 1; i > table; i--) {
                if (detached[i]) {
                    continue;
                }
                if ((flags[i] & CELL) != 0 || names[i] == T_CAPTION) {
                    return true;
                }
            }
            return false;
        }

        /** Index of the nearest open table element, or -1. */
        private int nearestTable() {
            if (openTables == 0) {
                return -1;
            }
            for (int i = depth - 1; i > 0; i--) {
                if (detached[i]) {
                    continue;
                }
                if (names[i] == T_TABLE) {
                    return i;
                }
                if (names[i] == T_TEMPLATE) {
                    return -1;
                }
            }
            return -1;
        }

        private void closeListItem(boolean definition) {
            for (int i = depth - 1; i > 0; i--) {
                if (detached[i]) {
                    continue;
                }
                int name = names[i];
                if (definition ? name == T_DD || name == T_DT : name == T_LI) {
                    popTo(i);
                    pop();
                    break;
                }
                if ((flags[i] & SPECIAL) != 0 && name != T_ADDRESS && name != T_DIV
                        && name != T_P) {
                    break;
                }
            }
        }

        /**
         * Whether the attributes of the tag just read mark it as boilerplate; only looked at where it matters: under
         * a visible parent, or for a link (whose attributes a reopened copy inherits).
         */
        private boolean ownBoilerplate(int f) {
            return (f & NEVER) == 0 && (!hidden[depth - 1] || (f & LINK) != 0)
                    && attributesBoilerplate();
        }

        /** A new link first closes a link still open, as jsoup does: the adoption agency, then off the stack. */
        private void closeOpenLink() {
            if (afeLast(T_A) < 0) {
                return;
            }
            adoptionAgency(T_A);
            for (int i = depth - 1; i > 0; i--) {
                if (!detached[i] && names[i] == T_A) {
                    int k = afeIndexOf(serial[i]);
                    if (k >= 0) {
                        afeRemove(k);
                    }
                    detach(i);
                    return;
                }
            }
        }

        private void closeParagraph() {
            if (inScope(T_P, 1)) {
                popUntil(T_P);
            }
        }

        private void endElement(int name, int f) {
            if (!inBody) {
                if (name == T_BODY || name == T_HTML || name == T_BR) {
                    startBody();
                    if (name == T_BR) {
                        endElement(name, f);
                    }
                }
                return;
            }
            if (selectDepth >= 0) {
                switch (name) {
                    case T_SELECT -> popUntil(T_SELECT);
                    case T_OPTION, T_OPTGROUP -> {
                        if (name == names[depth - 1]) {
                            pop();
                        }
                    }
                    default -> {
                    }
                }
                return;
            }
            switch (name) {
                case T_BODY, T_HTML -> {
                }
                case T_P -> {
                    if (inScope(T_P, 1)) {
                        popUntil(T_P);
                    } else {
                        clearAttributes();
                        push(T_P, f, false);
                        pop();
                    }
                }
                case T_LI -> {
                    if (inScope(T_LI, 2)) {
                        popUntil(T_LI);
                    }
                }
                case T_DD, T_DT -> {
                    if (inScope(name, 0)) {
                        popUntil(name);
                    }
                }
                case T_H1, T_H2, T_H3, T_H4, T_H5, T_H6 -> {
                    if (headingInScope()) {
                        while (depth > 1) {
                            boolean heading = (flags[depth - 1] & HEADING) != 0;
                            pop();
                            if (heading) {
                                break;
                            }
                        }
                    }
                }
                case T_FORM -> closeForm();
                case T_BR -> {
                    reconstruct();
                    push(T_BR, f, false);
                    pop();
                }
                case T_TD, T_TH, T_TR, T_TBODY, T_THEAD, T_TFOOT, T_CAPTION, T_TABLE -> {
                    if (inTableScope(name)) {
                        popUntil(name);
                    }
                }
                case T_APPLET, T_MARQUEE, T_OBJECT -> {
                    if (inScope(name, 0)) {
                        popUntil(name);
                    }
                }
                default -> {
                    if ((f & END_IN_SCOPE) != 0) {
                        if (inScope(name, 0)) {
                            popUntil(name);
                        }
                    } else if ((f & (FORMATTING | LINK)) != 0) {
                        adoptionAgency(name);
                    } else {
                        anyOtherEnd(name);
                    }
                }
            }
        }

        /**
         * HTML's adoption agency algorithm for the end of a formatting element: a formatting element with a block
         * opened inside it ends there, the block moves out next to it and gets a copy of the formatting element
         * around its content (so text already inside the block becomes link text if the element was a link).
         */
        private void adoptionAgency(int subject) {
            int top = depth - 1;
            if (names[top] == subject && afeIndexOf(serial[top]) < 0) {
                pop();
                return;
            }
            for (int outer = 0; outer < 8; outer++) {
                int k = afeLast(subject);
                if (k < 0) {
                    anyOtherEnd(subject);
                    return;
                }
                int at = stackIndexOf(afeSerial[k]);
                if (at < 0) {
                    afeRemove(k);
                    return;
                }
                if (!inScopeAt(at)) {
                    return;
                }
                int block = -1;
                for (int i = at + 1; i < depth; i++) {
                    if (!detached[i] && (flags[i] & SPECIAL) != 0) {
                        block = i;
                        break;
                    }
                }
                if (block < 0) {
                    afeRemove(k);
                    popTo(at);
                    pop();
                    return;
                }
                restructure(k, at, block);
            }
        }

        /**
         * One round of the adoption agency with formatting element {@code at} (list entry {@code k}) and furthest
         * block {@code block}: the frames from the formatting element up to the block close (their counts go to the
         * common ancestor), except formatting elements, which are replaced by copies; the block follows; a copy of
         * the formatting element, holding the block's content so far, goes right above it.
         */
        private void restructure(int k, int at, int block) {
            int common = at - 1;
            int above = depth - block - 1;
            // frames above the block keep their state; save them
            int saveFrom = block + 1;
            int[] sNames = Arrays.copyOfRange(names, saveFrom, depth);
            int[] sFlags = Arrays.copyOfRange(flags, saveFrom, depth);
            boolean[] sHidden = Arrays.copyOfRange(hidden, saveFrom, depth);
            int[] sText = Arrays.copyOfRange(text, saveFrom, depth);
            int[] sLink = Arrays.copyOfRange(link, saveFrom, depth);
            int[] sMark = Arrays.copyOfRange(mark, saveFrom, depth);
            boolean[] sPending = Arrays.copyOfRange(markPending, saveFrom, depth);
            int[] sSerial = Arrays.copyOfRange(serial, saveFrom, depth);
            boolean[] sOwn = Arrays.copyOfRange(own, saveFrom, depth);
            boolean[] sDetached = Arrays.copyOfRange(detached, saveFrom, depth);
            int blockName = names[block];
            int blockFlags = flags[block];
            boolean blockHidden = hidden[block];
            boolean blockOwn = own[block];
            int blockText = text[block];
            int blockLink = link[block];
            int blockMark = mark[block];
            boolean blockPending = markPending[block];
            int blockSerial = serial[block];
            boolean[] cloneOf = new boolean[block - at];
            for (int i = at + 1; i < block; i++) {
                cloneOf[i - at] = !detached[i] && afeIndexOf(serial[i]) >= 0;
            }
            int[] midNames = Arrays.copyOfRange(names, at, block);
            int[] midFlags = Arrays.copyOfRange(flags, at, block);
            boolean[] midOwn = Arrays.copyOfRange(own, at, block);
            int[] midSerial = Arrays.copyOfRange(serial, at, block);
            // close the formatting element and everything between it and the block (into the common ancestor)
            for (int i = block - 1; i >= at; i--) {
                if (!hidden[i] && i > 0) {
                    text[i - 1] += text[i];
                    link[i - 1] += (flags[i - 1] & LINK) != 0 ? text[i] : link[i];
                }
            }
            depth = at;
            for (int i = 1; i < midNames.length; i++) {
                if (cloneOf[i]) {
                    push(midNames[i], midFlags[i], midOwn[i]);
                    afeSerial[afeIndexOf(midSerial[i])] = serial[depth - 1];
                }
            }
            // the block, moved out of the formatting element: visible now if only that element hid it
            int b = depth++;
            names[b] = blockName;
            flags[b] = blockFlags;
            own[b] = blockOwn;
            detached[b] = false;
            serial[b] = blockSerial;
            text[b] = 0;
            link[b] = 0;
            boolean nowHidden = hidden[b - 1] || (blockFlags & NEVER) != 0 || blockOwn;
            hidden[b] = nowHidden;
            if (blockHidden && !nowHidden) {
                mark[b] = outLength;
                markPending[b] = pendingSpace;
                if ((blockFlags & PRE) != 0) {
                    preDepth++;
                }
                if ((blockFlags & BLOCK) != 0) {
                    newline();
                }
            } else {
                mark[b] = blockMark;
                markPending[b] = blockPending;
            }
            // the copy of the formatting element takes over the block's content
            push(midNames[0], midFlags[0], midOwn[0]);
            int c = depth - 1;
            text[c] = blockText;
            link[c] = (midFlags[0] & LINK) != 0 ? blockText : blockLink;
            afeSerial[k] = serial[c];
            if (depth + above > names.length) {
                grow();
            }
            System.arraycopy(sNames, 0, names, depth, above);
            System.arraycopy(sFlags, 0, flags, depth, above);
            System.arraycopy(sHidden, 0, hidden, depth, above);
            System.arraycopy(sText, 0, text, depth, above);
            System.arraycopy(sLink, 0, link, depth, above);
            System.arraycopy(sMark, 0, mark, depth, above);
            System.arraycopy(sPending, 0, markPending, depth, above);
            System.arraycopy(sSerial, 0, serial, depth, above);
            System.arraycopy(sOwn, 0, own, depth, above);
            System.arraycopy(sDetached, 0, detached, depth, above);
            depth += above;
            // the frames above were inside whatever the block was inside; now they are inside the copy
            for (int i = depth - above; i < depth; i++) {
                boolean h = hidden[i - 1] || (flags[i] & NEVER) != 0 || own[i];
                if (hidden[i] && !h) {
                    hidden[i] = false;
                    mark[i] = outLength;
                    markPending[i] = pendingSpace;
                    if ((flags[i] & PRE) != 0) {
                        preDepth++;
                    }
                    if ((flags[i] & BLOCK) != 0) {
                        newline();
                    }
                }
            }
            if (selectDepth >= 0) {
                selectDepth = stackIndexOfAny(T_SELECT);
            }
        }

        private void anyOtherEnd(int name) {
            for (int i = depth - 1; i > 0; i--) {
                if (detached[i]) {
                    continue;
                }
                if (name == names[i]) {
                    popTo(i);
                    pop();
                    return;
                }
                if ((flags[i] & SPECIAL) != 0) {
                    return;
                }
            }
        }

        /** {@code </form>}: the form pointer's element leaves the stack even if elements opened inside it stay open. */
        private void closeForm() {
            int pointer = formPointer;
            formPointer = 0;
            if (pointer <= 0) {
                return;
            }
            int at = stackIndexOf(pointer);
            if (at < 0 || !inScopeAt(at)) {
                return;
            }
            while ((flags[depth - 1] & IMPLIED_END) != 0 && depth - 1 > at) {
                pop();
            }
            detach(at);
        }

        /** Whether the element at stack index {@code at} is in (default) scope: no scope boundary above it. */
        private boolean inScopeAt(int at) {
            for (int i = depth - 1; i > at; i--) {
                if (detached[i]) {
                    continue;
                }
                if ((flags[i] & SCOPE) != 0) {
                    return false;
                }
            }
            return true;
        }

        /**
         * Whether an element named {@code name} is open in scope: {@code extra} 1 adds button to the boundaries
         * (button scope), 2 adds ol and ul (list item scope).
         */
        private boolean inScope(int name, int extra) {
            for (int i = depth - 1; i > 0; i--) {
                if (detached[i]) {
                    continue;
                }
                int el = names[i];
                if (name == el) {
                    return true;
                }
                if ((flags[i] & SCOPE) != 0 || (extra == 1 && el == T_BUTTON)
                        || (extra == 2 && (el == T_OL || el == T_UL))) {
                    return false;
                }
            }
            return false;
        }

        private boolean headingInScope() {
            for (int i = depth - 1; i > 0; i--) {
                if (detached[i]) {
                    continue;
                }
                if ((flags[i] & HEADING) != 0) {
                    return true;
                }
                if ((flags[i] & SCOPE) != 0) {
                    return false;
                }
            }
            return false;
        }

        private boolean inTableScope(int name) {
            for (int i = depth - 1; i > 0; i--) {
                if (detached[i]) {
                    continue;
                }
                int el = names[i];
                if (name == el) {
                    return true;
                }
                if (el == T_TABLE || el == T_TEMPLATE) {
                    return false;
                }
            }
            return false;
        }

        // ---------------------------------------------------------------- the stack and the output

        private void push(int name, int f, boolean removedByAttributes) {
            if (depth == names.length) {
                grow();
            }
            int d = depth++;
            boolean h = (d > 0 && hidden[d - 1]) || (f & NEVER) != 0 || removedByAttributes;
            names[d] = name;
            if (name == T_TABLE) {
                openTables++;
            }
            flags[d] = f;
            hidden[d] = h;
            own[d] = removedByAttributes;
            detached[d] = false;
            text[d] = 0;
            link[d] = 0;
            mark[d] = outLength;
            markPending[d] = pendingSpace;
            serial[d] = ++serials;
            if (!h) {
                if ((f & PRE) != 0) {
                    preDepth++;
                }
                if ((f & BLOCK) != 0) {
                    newline();
                }
            }
        }

        private void pop() {
            popOne();
            while (depth > 1 && detached[depth - 1]) {
                popOne();
            }
        }

        private void popOne() {
            int d = --depth;
            if (names[d] == T_TABLE) {
                openTables--;
            }
            int f = flags[d];
            if (d == selectDepth) {
                selectDepth = -1;
            }
            if ((f & MARKER) != 0) {
                afeClearToMarker();
            }
            if (hidden[d]) {
                return;
            }
            if ((f & PRE) != 0) {
                preDepth--;
            }
            if ((f & BLOCK) != 0) {
                newline();
            }
            int t = text[d];
            int l = link[d];
            if ((f & CHECKED) != 0 && d > 0 && t > 0 && l > ExtractionRules.MAX_LINK_DENSITY * t) {
                outLength = mark[d];
                pendingSpace = markPending[d];
                t = 0;
                l = 0;
            }
            if (d > 0) {
                text[d - 1] += t;
                link[d - 1] += (flags[d - 1] & LINK) != 0 ? t : l;
            }
        }

        /** Pops until the element at stack index {@code at} is the current node. */
        private void popTo(int at) {
            while (depth - 1 > at) {
                pop();
            }
        }

        private void popUntil(int name) {
            while (depth > 1) {
                boolean found = name == names[depth - 1];
                pop();
                if (found) {
                    return;
                }
            }
        }

        /** Takes the element at {@code at} off the stack; it closes with the last element opened inside it. */
        private void detach(int at) {
            if (at == depth - 1) {
                pop();
            } else {
                detached[at] = true;
                if (at == selectDepth) {
                    selectDepth = -1;
                }
            }
        }

        private int stackIndexOfAny(int name) {
            for (int i = depth - 1; i > 0; i--) {
                if (!detached[i] && names[i] == name) {
                    return i;
                }
            }
            return -1;
        }

        private int stackIndexOf(int ser) {
            for (int i = depth - 1; i >= 0; i--) {
                if (detached[i]) {
                    continue;
                }
                if (serial[i] == ser) {
                    return i;
                }
            }
            return -1;
        }

        private void grow() {
            int size = names.length * 2;
            names = Arrays.copyOf(names, size);
            flags = Arrays.copyOf(flags, size);
            hidden = Arrays.copyOf(hidden, size);
            text = Arrays.copyOf(text, size);
            link = Arrays.copyOf(link, size);
            mark = Arrays.copyOf(mark, size);
            markPending = Arrays.copyOf(markPending, size);
            serial = Arrays.copyOf(serial, size);
            own = Arrays.copyOf(own, size);
            detached = Arrays.copyOf(detached, size);
        }

        // ---------------------------------------------------------------- links closed implicitly

        private void afeAdd(int ser, int name, int f, boolean ownMark) {
            if (afeSize == afeSerial.length) {
                afeSerial = Arrays.copyOf(afeSerial, afeSize * 2);
                afeName = Arrays.copyOf(afeName, afeSize * 2);
                afeFlags = Arrays.copyOf(afeFlags, afeSize * 2);
                afeOwn = Arrays.copyOf(afeOwn, afeSize * 2);
            }
            afeSerial[afeSize] = ser;
            afeName[afeSize] = name;
            afeFlags[afeSize] = f;
            afeOwn[afeSize] = ownMark;
            afeSize++;
        }

        /** The last entry named {@code name} after the last marker, or -1. */
        private int afeLast(int name) {
            for (int k = afeSize - 1; k >= 0 && afeSerial[k] != -1; k--) {
                if (afeName[k] == name) {
                    return k;
                }
            }
            return -1;
        }

        private int afeIndexOf(int ser) {
            for (int k = afeSize - 1; k >= 0; k--) {
                if (afeSerial[k] == ser) {
                    return k;
                }
            }
            return -1;
        }

        private void afeRemove(int k) {
            System.arraycopy(afeSerial, k + 1, afeSerial, k, afeSize - k - 1);
            System.arraycopy(afeName, k + 1, afeName, k, afeSize - k - 1);
            System.arraycopy(afeFlags, k + 1, afeFlags, k, afeSize - k - 1);
            System.arraycopy(afeOwn, k + 1, afeOwn, k, afeSize - k - 1);
            afeSize--;
        }

        private void afeClearToMarker() {
            while (afeSize > 0) {
                afeSize--;
                if (afeSerial[afeSize] == -1) {
                    return;
                }
            }
        }

        /** Reopens formatting elements closed implicitly (by the end of an enclosing element), not by their end tag. */
        private void reconstruct() {
            if (afeSize == 0) {
                return;
            }
            int last = afeSize - 1;
            if (afeSerial[last] == -1 || stackIndexOf(afeSerial[last]) >= 0) {
                return;
            }
            int k = last;
            while (k > 0 && afeSerial[k - 1] != -1 && stackIndexOf(afeSerial[k - 1]) < 0) {
                k--;
            }
            for (; k <= last; k++) {
                push(afeName[k], afeFlags[k], afeOwn[k]);
                afeSerial[k] = serial[depth - 1];
            }
        }
    }
}
