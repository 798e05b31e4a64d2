package ai.stratum.tokenizer;

import java.io.IOException;
import java.io.Reader;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Cuts a character stream into chunks at positions where encoding is sure to split, so that encoding (or
 * counting) chunk by chunk gives exactly what the whole text would: right after a newline that sits between
 * two non-whitespace characters (GPT-2's pattern then ends a pre-token before the newline, takes the newline
 * alone, and starts a pre-token after it), and never inside an occurrence of a special token.
 */
final class TextChunks {
    static final int DEFAULT_CHUNK_CHARS = 1 << 20;

    private TextChunks() {
    }

    /** Feeds the reader's text to the sink in chunks of about chunkChars (more if no safe cut is found); returns chars read. */
    static long read(Reader reader, int chunkChars, List<String> specialTokens, Consumer<String> sink) throws IOException {
        long total = 0;
        char[] buf = new char[chunkChars];
        int filled = 0;
        while (true) {
            if (filled == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            int n = reader.read(buf, filled, buf.length - filled);
            if (n < 0) {
                if (filled > 0) {
                    sink.accept(new String(buf, 0, filled));
                }
                return total;
            }
            total += n;
            filled += n;
            if (filled < buf.length) {
                continue;
            }
            int cut = safeCut(buf, filled, specialTokens);
            if (cut > 0) {
                sink.accept(new String(buf, 0, cut));
                System.arraycopy(buf, cut, buf, 0, filled - cut);
                filled -= cut;
            }
        }
    }

    /**
     * The last position p with text[p-2] non-space, text[p-1] a newline and text[p] non-space, and no special
     * token occurrence spanning p; or 0 if there is none.
     */
    static int safeCut(char[] text, int length, List<String> specialTokens) {
        for (int p = length - 1; p >= 2; p--) {
            if (text[p - 1] == '\n' && !Gpt2PreTokenizer.isSpace(text[p]) && !Gpt2PreTokenizer.isSpace(text[p - 2])
                    && !insideSpecial(text, length, p, specialTokens)) {
                return p;
            }
        }
        return 0;
    }

    private static boolean insideSpecial(char[] text, int length, int p, List<String> specialTokens) {
        for (String special : specialTokens) {
            for (int start = Math.max(0, p - special.length() + 1); start < p; start++) {
                if (start + special.length() <= length && matches(text, start, special)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean matches(char[] text, int start, String s) {
        for (int k = 0; k < s.length(); k++) {
            if (text[start + k] != s.charAt(k)) {
                return false;
            }
        }
        return true;
    }
}
