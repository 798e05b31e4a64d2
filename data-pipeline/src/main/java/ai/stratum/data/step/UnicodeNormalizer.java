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
    private final Normalizer.Form form;

    /** @param form {@code NFC} or {@code NFKC} */
    public UnicodeNormalizer(String form) {
        this.form = switch (form) {
            case "NFC" -> Normalizer.Form.NFC;
            case "NFKC" -> Normalizer.Form.NFKC;
            default -> throw new IllegalArgumentException("form: must be NFC or NFKC, got '" + form + "'");
        };
    }

    @Override
    public String name() {
        return "normalize";
    }

    @Override
    public StepResult apply(Document doc, StepStats stats) {
        String text = doc.text();
        String cleaned = clean(text);
        if (!Normalizer.isNormalized(cleaned, form)) {
            cleaned = Normalizer.normalize(cleaned, form);
            stats.count("renormalized", 1);
        }
        if (cleaned.isBlank()) {
            return StepResult.drop("empty_after_normalization");
        }
        return StepResult.keep(cleaned.equals(text) ? doc : doc.withText(cleaned));
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
