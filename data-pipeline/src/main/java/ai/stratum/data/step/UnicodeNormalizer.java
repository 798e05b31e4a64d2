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
     * Normalizer. On mostly Latin pages this skips nearly all of its work, and its costly JIT compilation.
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
            int end = i;
            boolean allInert = true;
            while (end < n && text.charAt(end) >= stableBelow) {
                allInert &= inert(text.charAt(end), form);
                end++;
            }
            if (allInert) {
                i = end;
                continue;
            }
            String segment = text.substring(start, end);
            if (!Normalizer.isNormalized(segment, form)) {
                if (out == null) {
                    out = new StringBuilder(n + 16);
                }
                out.append(text, done, start).append(Normalizer.normalize(segment, form));
                done = end;
            }
            i = end;
        }
        return out == null ? text : out.append(text, done, n).toString();
    }

    /** Per form, per BMP character: 0 not yet known, 1 inert, 2 may change or combine. */
    private static final byte[][] INERT = new byte[Normalizer.Form.values().length][Character.MAX_VALUE + 1];

    /**
     * True if {@code c} is in the form and can neither change nor combine with a neighbour, so that a run of such
     * characters (after a character that is itself stable) is already normalized and needs no Normalizer call: not
     * a mark (every character with a non-zero combining class, and the vowel signs that compose with a preceding
     * letter, are marks), not a Hangul jamo (its vowels and final consonants are letters that compose with the
     * syllable before them), not a surrogate, and without a decomposition (canonical, or compatibility for the K
     * forms). Decided once per character and form (racing threads decide the same).
     */
    static boolean inert(char c, Normalizer.Form form) {
        byte[] known = INERT[form.ordinal()];
        byte k = known[c];
        if (k == 0) {
            k = decideInert(c, form) ? (byte) 1 : (byte) 2;
            known[c] = k;
        }
        return k == 1;
    }

    private static boolean decideInert(char c, Normalizer.Form form) {
        int type = Character.getType(c);
        if (type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK || type == Character.SURROGATE
                || (c >= '\u1100' && c <= '\u11ff') || (c >= '\ua960' && c <= '\ua97f')
                || (c >= '\ud7b0' && c <= '\ud7ff')) {
            return false;
        }
        Normalizer.Form decomposed = form == Normalizer.Form.NFC || form == Normalizer.Form.NFD
                ? Normalizer.Form.NFD : Normalizer.Form.NFKD;
        return Normalizer.isNormalized(String.valueOf(c), decomposed);
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
