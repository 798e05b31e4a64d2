package ai.stratum.data.read;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one-pass UTF-8 decoder against the JDK's decoding (the reference). */
class Utf8DecoderTest {
    /** A random string of mostly ASCII with Latin-1, BMP (surrogates excluded) and supplementary characters. */
    private static String randomText(SplittableRandom rnd, int len) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < len; i++) {
            int kind = rnd.nextInt(10);
            int cp;
            if (kind < 6) {
                cp = rnd.nextInt(0x80);
            } else if (kind < 7) {
                cp = 0x80 + rnd.nextInt(0x80);
            } else if (kind < 8) {
                cp = 0x100 + rnd.nextInt(0x700);
            } else if (kind < 9) {
                do {
                    cp = 0x800 + rnd.nextInt(0x10000 - 0x800);
                } while (Character.isSurrogate((char) cp));
            } else {
                cp = 0x10000 + rnd.nextInt(Character.MAX_CODE_POINT + 1 - 0x10000);
            }
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    @Test
    void wellFormedTextDecodesToTheSameStringAsTheJdk() {
        SplittableRandom rnd = new SplittableRandom(13);
        for (int t = 0; t < 2000; t++) {
            String text = randomText(rnd, rnd.nextInt(200));
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            char[] chars = new char[bytes.length];
            int n = Utf8Decoder.decode(bytes, bytes.length, chars);
            assertEquals(text, new String(chars, 0, n));
            assertEquals(text, Utf8Decoder.string(bytes, bytes.length, chars));
        }
    }

    @Test
    void malformedBytesAreRefusedAndDecodedByTheJdk() {
        // each is malformed: a lone continuation, overlong forms, a surrogate, above U+10FFFF, sequences cut short,
        // bytes that never start a sequence
        int[][] cases = {{0x80}, {0xC0, 0xAF}, {0xC1, 0xBF}, {0xE0, 0x80, 0xAF}, {0xED, 0xA0, 0x80},
                {0xF0, 0x80, 0x80, 0xAF}, {0xF4, 0x90, 0x80, 0x80}, {0xF5, 0x80, 0x80, 0x80}, {0xC3}, {0xE2, 0x82},
                {0xF0, 0x9F, 0x98}, {0xFF}, {0xFE}, {0xC3, 0x41}, {0xE2, 0x41, 0x82}};
        for (int[] c : cases) {
            byte[] bytes = new byte[c.length + 2];
            bytes[0] = 'a';
            for (int i = 0; i < c.length; i++) {
                bytes[i + 1] = (byte) c[i];
            }
            bytes[bytes.length - 1] = 'z';
            for (int n : new int[] {bytes.length, bytes.length - 1}) {
                assertEquals(-1, Utf8Decoder.decode(bytes, n, new char[n]), () -> java.util.Arrays.toString(c));
                assertEquals(new String(bytes, 0, n, StandardCharsets.UTF_8),
                        Utf8Decoder.string(bytes, n, new char[n]));
            }
        }
    }

    @Test
    void randomBytesGiveTheJdksStringWhetherAcceptedOrNot() {
        SplittableRandom rnd = new SplittableRandom(7);
        int accepted = 0;
        for (int t = 0; t < 20000; t++) {
            byte[] bytes = randomText(rnd, 1 + rnd.nextInt(6)).getBytes(StandardCharsets.UTF_8);
            // flip one byte to anything: sometimes still well-formed, often not
            bytes[rnd.nextInt(bytes.length)] = (byte) rnd.nextInt(256);
            int n = rnd.nextInt(bytes.length + 1);
            String jdk = new String(bytes, 0, n, StandardCharsets.UTF_8);
            char[] chars = new char[n];
            int len = Utf8Decoder.decode(bytes, n, chars);
            if (len >= 0) {
                accepted++;
                assertEquals(jdk, new String(chars, 0, len));
            } else {
                assertTrue(jdk.indexOf('\uFFFD') >= 0, () -> "refused well-formed input " + jdk);
            }
            assertEquals(jdk, Utf8Decoder.string(bytes, n, chars));
        }
        assertTrue(accepted > 2000 && accepted < 18000, "both outcomes are exercised: " + accepted);
    }
}
