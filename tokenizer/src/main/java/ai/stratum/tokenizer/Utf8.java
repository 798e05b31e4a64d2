package ai.stratum.tokenizer;

import java.util.Arrays;

/** UTF-8 encoding where a lone surrogate becomes U+FFFD (EF BF BD), the tokenizer's documented policy. */
final class Utf8 {
    private Utf8() {
    }

    /** Encodes text[from, to) into buf, which must hold 3 bytes per char; returns the byte count. */
    static int encode(char[] text, int from, int to, byte[] buf) {
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = text[i];
            if (c < 0x80) {
                buf[n++] = (byte) c;
            } else if (c < 0x800) {
                buf[n++] = (byte) (0xC0 | (c >> 6));
                buf[n++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text[i + 1])) {
                    int cp = Character.toCodePoint(c, text[++i]);
                    buf[n++] = (byte) (0xF0 | (cp >> 18));
                    buf[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    buf[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    buf[n++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    buf[n++] = (byte) 0xEF;
                    buf[n++] = (byte) 0xBF;
                    buf[n++] = (byte) 0xBD;
                }
            } else {
                buf[n++] = (byte) (0xE0 | (c >> 12));
                buf[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                buf[n++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return n;
    }

    static byte[] encode(String text) {
        byte[] buf = new byte[3 * text.length()];
        return Arrays.copyOf(buf, encode(text.toCharArray(), 0, text.length(), buf));
    }
}
