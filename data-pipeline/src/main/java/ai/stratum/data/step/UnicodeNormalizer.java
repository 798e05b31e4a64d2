package ai.stratum.data.step;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;

import java.text.Normalizer;

/**
 * Unicode normalization: NFC or NFKC, {@code \r\n} and lone {@code \r} to {@code \n}, and removal of C0/C1
 * control characters (except tab and newline) and of invisible characters that only disturb matching
 * (U+200B zero-width space, U+FEFF byte-order mark, U+00AD soft hyphen, U+2060 word joiner). A document left
 * with no visible text is dropped ({@code empty_after_normalization}).
 */
public final class UnicodeNormalizer implements DocumentStep {
    /**
     * Characters below this bound are in the form and start a new segment that nothing before them can combine
     * with: for NFC everything before the combining diacritical marks (U+0300), for NFKC only ASCII (Latin-1 has
     * compatibility characters such as U+00A0 and U+00BD). So the text is normalized piecewise: only the runs of
     * other characters, each with the character before it (a base their marks may compose with), go through the
     * Normalizer, and only when Unicode's quick check cannot tell they are already normalized ({@link #normalize}).
     * This skips nearly all of its work, and its costly JIT compilation, on Latin pages and on most pages in other
     * scripts (Cyrillic, Greek, Hangul, the Indic scripts with their vowel signs and viramas, Adlam...).
     */
    private final char stableBelow;
    private final Normalizer.Form form;

    /** @param form {@code NFC} or {@code NFKC} */
    public UnicodeNormalizer(String form) {
        this.form = switch (form) {
            case "NFC" -> Normalizer.Form.NFC;
            case "NFKC" -> Normalizer.Form.NFKC;
            default -> throw new IllegalArgumentException("form: must be NFC or NFKC, got '" + form + "'");
        };
        this.stableBelow = this.form == Normalizer.Form.NFC ? '\u0300' : '\u0080';
    }

    @Override
    public String name() {
        return "normalize";
    }

    @Override
    public StepResult apply(Document doc, StepStats stats) {
        String text = doc.text();
        String cleaned = clean(text);
        String normalized = normalize(cleaned, stableBelow, form);
        if (normalized != cleaned) {
            cleaned = normalized;
            stats.count("renormalized", 1);
        }
        if (cleaned.isBlank()) {
            return StepResult.drop("empty_after_normalization");
        }
        return StepResult.keep(cleaned.equals(text) ? doc : doc.withText(cleaned));
    }

    /**
     * {@code Normalizer.normalize(text, form)}, the same string instance if it is already normalized; only the
     * segments holding a character at or above {@code stableBelow} are handed to the Normalizer. Every character
     * below {@code stableBelow} must be unchanged by the form and have a normalization boundary before it (a
     * starter nothing before it combines with): below U+0300 for NFC, U+00C0 for NFD, U+0080 for NFKC and NFKD.
     *
     * <p>A run of other characters is skipped without the Normalizer when Unicode's quick check (UAX #15) answers
     * yes for it: every character is "yes" for the form (in it, and not a later character of a composition), and
     * combining classes never decrease except at a starter. The check here is stricter on the classes: a
     * non-starter must follow a starter (the character before a run is one).
     */
    public static String normalize(String text, char stableBelow, Normalizer.Form form) {
        StringBuilder out = null;
        int done = 0; // text[0, done) is settled: already appended to out if out exists
        int n = text.length();
        int i = 0;
        while (i < n) {
            if (text.charAt(i) < stableBelow) {
                i++;
                continue;
            }
            int start = i > done ? i - 1 : i;
            int end = quickCheckRun(text, i, stableBelow, form);
            if (end < 0) {
                end = i;
                while (end < n && text.charAt(end) >= stableBelow) {
                    end++;
                }
                String segment = text.substring(start, end);
                if (!Normalizer.isNormalized(segment, form)) {
                    if (out == null) {
                        out = new StringBuilder(n + 16);
                    }
                    out.append(text, done, start).append(Normalizer.normalize(segment, form));
                    done = end;
                }
            }
            i = end;
        }
        return out == null ? text : out.append(text, done, n).toString();
    }

    /**
     * The end of the run of characters at or above {@code stableBelow} that starts at {@code from}, or -1 if the
     * quick check cannot answer yes for it (then the Normalizer decides).
     */
    private static int quickCheckRun(String text, int from, char stableBelow, Normalizer.Form form) {
        byte[] known = KIND[form.ordinal()];
        int n = text.length();
        byte previous = STARTER;
        int end = from;
        while (end < n) {
            char ch = text.charAt(end);
            if (ch < stableBelow) {
                break;
            }
            int cp = ch;
            if (Character.isHighSurrogate(ch) && end + 1 < n && Character.isLowSurrogate(text.charAt(end + 1))) {
                cp = Character.toCodePoint(ch, text.charAt(end + 1));
            }
            byte k = cp < known.length ? known[cp] : OTHER;
            if (k == UNKNOWN) {
                k = decideKind(cp, form);
                known[cp] = k;
            }
            if (k == OTHER || (k == MARK && previous == MARK)) {
                return -1;
            }
            previous = k;
            end += Character.charCount(cp);
        }
        return end;
    }

    /** What a code point is to the quick check, per form; decided once (racing threads decide the same). */
    private static final byte UNKNOWN = 0;
    static final byte STARTER = 1;
    static final byte MARK = 2;
    static final byte OTHER = 3;
    /** Per form, per code point of the BMP and planes 1 and 2 (the scripts, symbols and ideographs in use). */
    private static final byte[][] KIND = new byte[Normalizer.Form.values().length][0x30000];

    /**
     * Every code point that is a later character of some code point's canonical decomposition (so may compose with
     * a character before it), except the Hangul vowel and final jamo (U+1100..U+11FF are refused by range). Derived
     * from the JDK's Normalizer by decomposing every code point; OtherStepsTest.quickCheckKindsAgreeWithTheJdk
     * checks it is complete.
     */
    static final int[] LATER_IN_A_DECOMPOSITION = {
        0x300, 0x301, 0x302, 0x303, 0x304, 0x306, 0x307, 0x308, 0x309, 0x30A, 0x30B, 0x30C, 0x30F, 0x311, 0x313,
        0x314, 0x31B, 0x323, 0x324, 0x325, 0x326, 0x327, 0x328, 0x32D, 0x32E, 0x330, 0x331, 0x338, 0x342, 0x345,
        0x5B4, 0x5B7, 0x5B8, 0x5B9, 0x5BC, 0x5BF, 0x5C1, 0x5C2, 0x653, 0x654, 0x655, 0x93C, 0x9BC, 0x9BE, 0x9D7,
        0xA3C, 0xB3C, 0xB3E, 0xB56, 0xB57, 0xBBE, 0xBD7, 0xC56, 0xCC2, 0xCD5, 0xCD6, 0xD3E, 0xD57, 0xDCA, 0xDCF,
        0xDDF, 0xF72, 0xF74, 0xF80, 0xFB5, 0xFB7, 0x102E, 0x1B35, 0x3099, 0x309A, 0x110BA, 0x11127, 0x1133E,
        0x11357, 0x114B0, 0x114BA, 0x114BD, 0x115AF, 0x11930, 0x1D165, 0x1D16E, 0x1D16F, 0x1D170, 0x1D171, 0x1D172
    };

    /**
     * {@link #STARTER} or {@link #MARK} when the code point is "yes" for the form's quick check: in the form on its
     * own and not a later character of any composition (nor a Hangul jamo, a surrogate or unassigned); its class is
     * that of the first character of its canonical decomposition. Else {@link #OTHER}.
     */
    static byte decideKind(int cp, Normalizer.Form form) {
        int type = Character.getType(cp);
        if (type == Character.SURROGATE || type == Character.UNASSIGNED || (cp >= 0x1100 && cp <= 0x11ff)
                || (cp >= 0xa960 && cp <= 0xa97f) || (cp >= 0xd7b0 && cp <= 0xd7ff)
                || java.util.Arrays.binarySearch(LATER_IN_A_DECOMPOSITION, cp) >= 0) {
            return OTHER;
        }
        String s = new String(Character.toChars(cp));
        if (!Normalizer.isNormalized(s, form)) {
            return OTHER;
        }
        return combiningClassZero(Normalizer.normalize(s, Normalizer.Form.NFD).codePointAt(0)) ? STARTER : MARK;
    }

    /** For tests: the code point passes the quick check as a starter. */
    static boolean inert(int cp, Normalizer.Form form) {
        return decideKind(cp, form) == STARTER;
    }

    /** For tests: the code point passes the quick check as a non-starter (combining class above 0). */
    static boolean quickCheckMark(int cp, Normalizer.Form form) {
        return decideKind(cp, form) == MARK;
    }

    /**
     * Whether a code point without a decomposition has canonical combining class 0, probed with canonical
     * reordering: a class in 1..229 moves it before U+0301 (class 230), a class of 230 or more lets U+0334 (class
     * 1) move before it.
     */
    static boolean combiningClassZero(int cp) {
        String c = new String(Character.toChars(cp));
        String afterAcute = "a\u0301" + c;
        String beforeOverlay = "a" + c + "\u0334";
        return Normalizer.normalize(afterAcute, Normalizer.Form.NFD).equals(afterAcute)
                && Normalizer.normalize(beforeOverlay, Normalizer.Form.NFD).equals(beforeOverlay);
    }

    static String clean(String text) {
        int n = text.length();
        int i = 0;
        while (i < n && keep(text.charAt(i)) && text.charAt(i) != '\r') {
            i++;
        }
        if (i == n) {
            return text;
        }
        StringBuilder sb = new StringBuilder(n);
        sb.append(text, 0, i);
        for (; i < n; i++) {
            char c = text.charAt(i);
            if (c == '\r') {
                sb.append('\n');
                if (i + 1 < n && text.charAt(i + 1) == '\n') {
                    i++;
                }
            } else if (keep(c)) {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean keep(char c) {
        if (c >= 0x20 && c < 0x7f) {
            return true;
        }
        if (c == '\n' || c == '\t') {
            return true;
        }
        if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
            return false;
        }
        return c != '\u200b' && c != '\ufeff' && c != '\u00ad' && c != '\u2060';
    }
}
