package ai.stratum.data.read;

import java.nio.charset.StandardCharsets;

/**
 * Well-formed UTF-8 to UTF-16 in one pass into a caller's reusable array. {@code new String(bytes, UTF_8)} on JDK 17
 * decodes a page that is not pure ASCII twice over (a Latin-1 attempt up to the first character above U+00FF, then
 * the rest as UTF-16, then a trimming copy) and its loops are compiled late in a cold run; this decoder is one tight
 * loop. It only accepts well-formed input: anything else (a byte that cannot start a sequence, a missing
 * continuation byte, an overlong form, a surrogate, a code point above U+10FFFF, a sequence cut by the end) makes it
 * return -1 and the caller decodes with the JDK, whose replacement rules for malformed input are then applied
 * unchanged. On well-formed input the decoding is unique, so the text equals the JDK's exactly.
 */
final class Utf8Decoder {
    private Utf8Decoder() {
    }

    /**
     * Decodes {@code src[0, n)} into {@code dst} (which must hold at least {@code n} chars: no UTF-8 sequence gives
     * more UTF-16 units than it has bytes); returns the number of chars, or -1 if the input is not well-formed.
     */
    static int decode(byte[] src, int n, char[] dst) {
        int sp = 0;
        int dp = 0;
        while (sp < n) {
            int b1 = src[sp];
            if (b1 >= 0) {
                dst[dp++] = (char) b1;
                sp++;
                continue;
            }
            if ((b1 >> 5) == -2 && (b1 & 0x1e) != 0) {
                // 110xxxxx 10xxxxxx, lead C2..DF
                if (sp + 1 >= n) {
                    return -1;
                }
                int b2 = src[sp + 1];
                if ((b2 & 0xc0) != 0x80) {
                    return -1;
                }
                dst[dp++] = (char) (((b1 & 0x1f) << 6) | (b2 & 0x3f));
                sp += 2;
            } else if ((b1 >> 4) == -2) {
                // 1110xxxx 10xxxxxx 10xxxxxx, no overlong form (E0 80..9F), no surrogate (ED A0..BF)
                if (sp + 2 >= n) {
                    return -1;
                }
                int b2 = src[sp + 1];
                int b3 = src[sp + 2];
                if ((b2 & 0xc0) != 0x80 || (b3 & 0xc0) != 0x80) {
                    return -1;
                }
                char c = (char) (((b1 & 0x0f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f));
                if (c < 0x800 || Character.isSurrogate(c)) {
                    return -1;
                }
                dst[dp++] = c;
                sp += 3;
            } else if ((b1 >> 3) == -2) {
                // 11110xxx and three continuation bytes, U+10000..U+10FFFF
                if (sp + 3 >= n) {
                    return -1;
                }
                int b2 = src[sp + 1];
                int b3 = src[sp + 2];
                int b4 = src[sp + 3];
                if ((b2 & 0xc0) != 0x80 || (b3 & 0xc0) != 0x80 || (b4 & 0xc0) != 0x80) {
                    return -1;
                }
                int cp = ((b1 & 0x07) << 18) | ((b2 & 0x3f) << 12) | ((b3 & 0x3f) << 6) | (b4 & 0x3f);
                if (cp < 0x10000 || cp > Character.MAX_CODE_POINT) {
                    return -1;
                }
                dst[dp++] = Character.highSurrogate(cp);
                dst[dp++] = Character.lowSurrogate(cp);
                sp += 4;
            } else {
                return -1;
            }
        }
        return dp;
    }

    /**
     * {@code src[0, n)} as text: this decoder's result if the input is well-formed, else the JDK's (with its
     * replacement characters). {@code chars} is scratch space of at least {@code n} chars.
     */
    static String string(byte[] src, int n, char[] chars) {
        int len = decode(src, n, chars);
        return len >= 0 ? new String(chars, 0, len) : new String(src, 0, n, StandardCharsets.UTF_8);
    }
}
