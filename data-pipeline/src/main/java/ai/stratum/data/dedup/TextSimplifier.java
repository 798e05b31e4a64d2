package ai.stratum.data.dedup;

import ai.stratum.data.step.UnicodeNormalizer;

import java.text.Normalizer;

/**
 * The text normalization dedup compares under, as datatrove's {@code simplify_text} defaults: lowercase,
 * diacritics removed, digits replaced by {@code 0}, punctuation and symbols replaced by spaces, whitespace
 * collapsed to single spaces.
 */
public final class TextSimplifier {
    private TextSimplifier() {
    }

    public static String simplify(String text) {
        // below U+00C0 nothing decomposes, so only the runs of other characters need the Normalizer
        String s = UnicodeNormalizer.normalize(text, '\u00c0', Normalizer.Form.NFD);
        StringBuilder sb = new StringBuilder(s.length());
        boolean space = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c >= 'A' && c <= 'Z') {
                    c = (char) (c + 32);
                } else if (c >= '0' && c <= '9') {
                    c = '0';
                } else if (!(c >= 'a' && c <= 'z')) {
                    c = ' ';
                }
            } else {
                int type = Character.getType(c);
                if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK) {
                    continue;
                }
                if (Character.isDigit(c)) {
                    c = '0';
                } else if (Character.isLetter(c) || Character.isSurrogate(c)) {
                    c = Character.toLowerCase(c);
                } else {
                    c = ' ';
                }
            }
            if (c == ' ') {
                if (!space) {
                    sb.append(' ');
                    space = true;
                }
            } else {
                sb.append(c);
                space = false;
            }
        }
        int len = sb.length();
        if (len > 0 && sb.charAt(len - 1) == ' ') {
            sb.setLength(len - 1);
        }
        return sb.toString();
    }
}
