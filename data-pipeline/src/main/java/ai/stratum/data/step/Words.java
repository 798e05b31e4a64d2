package ai.stratum.data.step;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Word tokenization for the quality rules. It approximates NLTK's {@code word_tokenize}, which datatrove's
 * thresholds were tuned with: split on whitespace, then split leading opening brackets/quotes and trailing
 * punctuation off as tokens of their own ({@code "end."} -> {@code end}, {@code .}); a run of dots stays one
 * token ({@code ...}). {@link #scan} returns token spans without allocating a string per token.
 */
public final class Words {
    /** Python's {@code string.punctuation}; datatrove tests {@code w in string.punctuation} (a substring test). */
    public static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    private static final String LEADING = "\"'([{<`";
    private static final String TRAILING = ".,;:!?)]}\"'>`";

    private Words() {
    }

    /** Token spans of a text: token i is {@code text.substring(start[i], end[i])}. */
    public static final class Spans {
        public final String text;
        public int[] start = new int[64];
        public int[] end = new int[64];
        public int count;

        Spans(String text) {
            this.text = text;
        }

        void add(int s, int e) {
            if (count == start.length) {
                start = Arrays.copyOf(start, count * 2);
                end = Arrays.copyOf(end, count * 2);
            }
            start[count] = s;
            end[count] = e;
            count++;
        }

        public int length(int i) {
            return end[i] - start[i];
        }

        public String token(int i) {
            return text.substring(start[i], end[i]);
        }

        /**
         * True for datatrove's symbol words: every character in its {@code PUNCTUATION_SET}
         * (gopher_quality_filter.py: {@code any(ch not in PUNCTUATION_SET for ch in w)} makes a word).
         */
        public boolean isPunctuation(int i) {
            for (int k = start[i]; k < end[i]; ) {
                int cp = text.codePointAt(k);
                if (!PyText.isPunctuation(cp)) {
                    return false;
                }
                k += Character.charCount(cp);
            }
            return true;
        }

        public boolean hasLetter(int i) {
            for (int k = start[i]; k < end[i]; k++) {
                if (Character.isLetter(text.charAt(k))) {
                    return true;
                }
            }
            return false;
        }

        public boolean equalsToken(int i, String word) {
            return length(i) == word.length() && text.regionMatches(start[i], word, 0, word.length());
        }

        /** A 64-bit hash of token i's characters. */
        public long hash(int i) {
            long h = 0xCBF29CE484222325L;
            for (int k = start[i]; k < end[i]; k++) {
                h = (h ^ text.charAt(k)) * 0x100000001B3L;
            }
            return LongHashing.mix(h + length(i));
        }
    }

    private static final ThreadLocal<Spans> LAST = new ThreadLocal<>();

    /**
     * {@link #scan}, reusing this thread's previous result when it was for the very same String object: the
     * repetition and quality rules tokenize each document one after the other. Callers must not modify the spans.
     */
    public static Spans scanShared(String text) {
        Spans last = LAST.get();
        if (last != null && last.text == text) {
            return last;
        }
        Spans spans = scan(text);
        LAST.set(spans);
        return spans;
    }

    public static Spans scan(String text) {
        Spans spans = new Spans(text);
        int n = text.length();
        int i = 0;
        while (i < n) {
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (start < i) {
                split(text, start, i, spans);
            }
        }
        return spans;
    }

    private static void split(String text, int start, int end, Spans out) {
        while (start < end - 1 && LEADING.indexOf(text.charAt(start)) >= 0) {
            out.add(start, start + 1);
            start++;
        }
        int tailFrom = end;
        while (end - 1 > start && TRAILING.indexOf(text.charAt(end - 1)) >= 0) {
            if (text.charAt(end - 1) == '.') {
                while (end - 1 > start && text.charAt(end - 1) == '.') {
                    end--;
                }
            } else {
                end--;
            }
        }
        out.add(start, end);
        // the peeled tail, left to right: runs of dots stay together, other marks are single tokens
        int k = end;
        while (k < tailFrom) {
            int j = k + 1;
            if (text.charAt(k) == '.') {
                while (j < tailFrom && text.charAt(j) == '.') {
                    j++;
                }
            }
            out.add(k, j);
            k = j;
        }
    }

    public static List<String> tokenize(String text) {
        Spans s = scan(text);
        List<String> out = new ArrayList<>(s.count);
        for (int i = 0; i < s.count; i++) {
            out.add(s.token(i));
        }
        return out;
    }

    /** True for tokens datatrove does not count as words: substrings of {@link #PUNCTUATION}. */
    public static boolean isPunctuation(String token) {
        return PUNCTUATION.contains(token);
    }
}
