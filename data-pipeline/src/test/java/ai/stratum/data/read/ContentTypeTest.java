package ai.stratum.data.read;

import org.junit.jupiter.api.Test;
import org.netpreserve.jwarc.MediaType;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reader's plain Content-Type reading against jwarc's lenient media type parser (the reference). */
class ContentTypeTest {
    private static final String[] PIECES = {"text", "/", "html", "TEXT", "Html", ";", " ", "\t", "charset", "CharSet",
            "=", "utf-8", "ISO-8859-1", "\"utf-8\"", "q", "0.5", "application", "xhtml+xml", ",", "x", "(", "\u00e9",
            "boundary", "a=b"};

    @Test
    void plainValuesGiveTheSameBaseAndCharsetAsJwarc() {
        SplittableRandom rnd = new SplittableRandom(3);
        int plain = 0;
        for (int t = 0; t < 30000; t++) {
            StringBuilder sb = new StringBuilder();
            if (rnd.nextInt(4) > 0) {
                sb.append(rnd.nextBoolean() ? "text/html" : "Text/Plain");
                int params = rnd.nextInt(3);
                for (int p = 0; p < params; p++) {
                    sb.append(rnd.nextBoolean() ? ";" : " ; ").append(rnd.nextBoolean() ? "charset" : "Charset")
                            .append('=').append(rnd.nextBoolean() ? "utf-8" : "x-" + p);
                }
            }
            int noise = rnd.nextInt(4);
            for (int i = 0; i < noise; i++) {
                sb.insert(rnd.nextInt(sb.length() + 1), PIECES[rnd.nextInt(PIECES.length)]);
            }
            String value = sb.toString();
            WarcDocumentReader.ContentType fast = WarcDocumentReader.ContentType.of(value);
            if (fast == null) {
                continue;
            }
            plain++;
            MediaType reference = MediaType.parseLeniently(value);
            assertEquals(reference.base().toString(), fast.base(), value);
            assertEquals(reference.parameters().get("charset"), fast.charset(), value);
        }
        assertTrue(plain > 5000 && plain < 29000, "plain and other values are both exercised: " + plain);
    }

    @Test
    void otherFormsAreLeftToJwarc() {
        for (String v : new String[] {"text/html; charset=\"utf-8\"", "text/html;", "text/html ", "text/html;charset",
                "text", "/html", "", "text/html, text/plain", "text/h\u00e9",
                "text/html ; charset=utf-8"}) {
            assertNull(WarcDocumentReader.ContentType.of(v), v);
        }
        assertNull(WarcDocumentReader.ContentType.of((String) null));
        assertEquals(new WarcDocumentReader.ContentType("text/html", "UTF-8"),
                WarcDocumentReader.ContentType.of("text/html;  charset=UTF-8;charset=x"));
    }
}
