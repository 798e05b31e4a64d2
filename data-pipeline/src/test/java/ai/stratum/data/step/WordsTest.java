package ai.stratum.data.step;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

class WordsTest {
    @Test
    void sharedScanIsReusedForTheSameStringOnlyAndEqualsAFreshScan() {
        String text = "The end. (Quoted) words, and dots...";
        Words.Spans first = Words.scanShared(text);
        assertSame(first, Words.scanShared(text), "the same String object reuses the spans");
        String copy = new String(text.toCharArray());
        Words.Spans other = Words.scanShared(copy);
        assertNotSame(first, other, "an equal but different String is scanned again");
        Words.Spans fresh = Words.scan(text);
        assertEquals(fresh.count, first.count);
        for (int i = 0; i < fresh.count; i++) {
            assertEquals(fresh.token(i), first.token(i));
            assertEquals(fresh.token(i), other.token(i));
        }
        assertEquals(List.of("The", "end", ".", "(", "Quoted", ")", "words", ",", "and", "dots", "..."),
                Words.tokenize(text));
    }
}
