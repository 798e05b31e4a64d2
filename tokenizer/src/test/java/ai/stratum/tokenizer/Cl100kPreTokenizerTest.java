package ai.stratum.tokenizer;

import ai.stratum.fixtures.text.MultilingualText;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hand-written Llama 3 and Qwen2 scanners split exactly as their regexes (compiled as tokenizer.json regexes
 * are, {@link RegexDialect}) on large generated text, every BMP character in several contexts, supplementary
 * code points, lone surrogates and the CR/LF/whitespace combinations the patterns single out.
 */
class Cl100kPreTokenizerTest {

    static List<String> regexSplit(Pattern regex, String text) {
        List<String> parts = new ArrayList<>();
        Matcher m = regex.matcher(text);
        int expectedStart = 0;
        while (m.find()) {
            if (m.start() != expectedStart) {
                throw new AssertionError("the regex left a gap at " + expectedStart + " in " + HfExactnessTest.escape(text));
            }
            parts.add(m.group());
            expectedStart = m.end();
        }
        return parts;
    }

    static List<String> scannerSplit(SplitScanner scanner, String text) {
        List<String> parts = new ArrayList<>();
        char[] chars = text.toCharArray();
        for (int i = 0; i < chars.length; ) {
            int j = scanner.tokenEnd(chars, i, chars.length);
            parts.add(text.substring(i, j));
            i = j;
        }
        return parts;
    }

    static void assertSameSplit(Pattern regex, SplitScanner scanner, String text) {
        List<String> expected = regexSplit(regex, text);
        List<String> actual = scannerSplit(scanner, text);
        if (!expected.equals(actual)) {
            throw new AssertionError("split differs for " + HfExactnessTest.escape(text) + "\n regex   " + expected
                    + "\n scanner " + actual);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen2"})
    void splitsLikeTheRegex(String name) {
        String pattern = name.equals("llama3") ? Cl100kPreTokenizer.LLAMA3_PATTERN : Cl100kPreTokenizer.QWEN2_PATTERN;
        SplitScanner scanner = SplitScanner.forPattern(pattern);
        Pattern regex = RegexDialect.compile(pattern);
        MultilingualText gen = MultilingualText.seeded(21);
        for (String doc : gen.documents(200, 3000)) {
            assertSameSplit(regex, scanner, doc);
        }
        for (int i = 0; i < 200; i++) {
            assertSameSplit(regex, scanner, gen.randomCodePoints(1 + i));
        }
        HfExactnessTest.edgeTexts().forEach(t -> assertSameSplit(regex, scanner, t));
        for (int c = 0; c < 0x10000; c++) {
            String ch = String.valueOf((char) c);
            for (String text : List.of(" " + ch + ch + "a", "a" + ch + "1", "  " + ch + " \r\n", "'" + ch + ".\n" + ch)) {
                assertSameSplit(regex, scanner, text);
            }
        }
        SplittableRandom random = new SplittableRandom(5);
        String[] pieces = {"\uD800", "\uDC00", "\uDBFF\uDFFF", "\uD835\uDC01", "😀", " ", "  ", "a", "B", "1", "١", "\n", "\r",
            "\r\n", "\t", "\uD83D", "'", "s", "S", "ll", "Re", "\u017F", ".", "!?", "\u00A0", "\u3000", "\u0870", "\uD839\uDCF0"};
        for (int i = 0; i < 10_000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + random.nextInt(14);
            for (int k = 0; k < n; k++) {
                sb.append(pieces[random.nextInt(pieces.length)]);
            }
            assertSameSplit(regex, scanner, sb.toString());
        }
        for (int cp = 0x10000; cp <= Character.MAX_CODE_POINT; cp += 37) {
            String s = new String(Character.toChars(cp));
            assertSameSplit(regex, scanner, " " + s + s + "x" + s + "1234");
        }
    }
}
