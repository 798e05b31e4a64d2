package ai.stratum.tokenizer;

import java.io.ByteArrayOutputStream;

/**
 * GPT-2's byte-to-unicode map: every byte gets a printable character so that a byte-level token can be
 * written as a string in {@code vocab.bpe}, {@code encoder.json} and {@code tokenizer.json}.
 * Printable Latin-1 bytes ({@code !..~}, {@code ¡..¬}, {@code ®..ÿ}) map to themselves; the other 68 bytes
 * map to U+0100, U+0101, ... in byte order (so the space 0x20 becomes {@code Ġ} U+0120).
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final short[] CHAR_TO_BYTE = new short[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + next++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (short) b;
        }
    }

    private ByteLevel() {
    }

    static char charOf(int unsignedByte) {
        return BYTE_TO_CHAR[unsignedByte];
    }

    /** The byte-level string of raw bytes, e.g. {@code " hi"} (0x20 0x68 0x69) -> {@code "Ġhi"}. */
    static String encode(byte[] bytes) {
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }

    /** The raw bytes of a byte-level string, or null if some character is outside the 256-character alphabet. */
    static byte[] decodeOrNull(String token) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(token.length());
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c >= CHAR_TO_BYTE.length || CHAR_TO_BYTE[c] < 0) {
                return null;
            }
            out.write(CHAR_TO_BYTE[c]);
        }
        return out.toByteArray();
    }
}
