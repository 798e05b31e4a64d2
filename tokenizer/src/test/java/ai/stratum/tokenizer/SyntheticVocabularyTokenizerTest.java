package ai.stratum.tokenizer;

import ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The fixture tokenizer that gives synthetic token data of any vocabulary size a real tokenizer (the smoke run's
 * shards): every ordinary id decodes to the two bytes it was merged from, the end-of-text token comes last, and
 * the merges are applied as written (a two-byte string encodes to its merged id).
 */
class SyntheticVocabularyTokenizerTest {

    @Test
    void everyIdOfALargeByteLevelVocabularyDecodesAndTwoByteTextEncodesToItsMerge(@TempDir Path tmp)
            throws IOException {
        Tokenizer tok = Tokenizer.load(ByteLevelTokenizerJson.write(tmp.resolve("tokenizer.json"), 4095,
                List.of("<|endoftext|>")));
        assertEquals(4096, tok.vocabSize());
        assertEquals(4095, tok.specialTokenId("<|endoftext|>").orElseThrow());
        for (int id = 256; id < 4095; id++) {
            int a = (id - 256) / 256;
            int b = (id - 256) % 256;
            if (b < 0x80) {
                // bytes a (a control character here) and b: ASCII, so the decoded text is exactly those two chars
                assertEquals("" + (char) a + (char) b, tok.decode(new int[]{id}), "id " + id);
            }
        }
        // control characters 0x01 0x02 are one pre-token; merge number 1 * 256 + 2 = 258 gives id 514
        assertArrayEquals(new int[]{514}, tok.encodeOrdinary("\u0001\u0002"));
        // a pair beyond this vocabulary's merges stays two byte tokens
        assertArrayEquals(new int[]{0x21, 0x21}, tok.encodeOrdinary("!!"));
    }
}
