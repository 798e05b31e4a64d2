package ai.stratum.data.step;

import java.util.ArrayList;
import java.util.List;

/**
 * Word tokenization for the quality rules. It approximates NLTK's {@code word_tokenize}, which datatrove's
 * thresholds were tuned with: split on whitespace, then split leading opening brackets/quotes and trailing
 * punctuation off as tokens of their own ({@code "end."} -> {@code end}, {@code .}); a run of dots stays one
 * token ({@code ...}).
 */
public final class Words {
    /** Python's {@code string.punctuation}; datatrove tests {@code w in string.punctuation} (a substring test). */
    public static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    private static final String LEADING = "\"'([{<`";
    private static final String TRAILING = ".,;:!?)]}\"'>`";

    private Words() {
    }

    public static List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
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
                split(text, start, i, out);
            }
        }
        return out;
    }

    private static void split(String text, int start, int end, List<String> out) {
        while (start < end - 1 && LEADING.indexOf(text.charAt(start)) >= 0) {
            out.add(String.valueOf(text.charAt(start)));
            start++;
        }
        List<String> tail = new ArrayList<>();
        while (end - 1 > start && TRAILING.indexOf(text.charAt(end - 1)) >= 0) {
            if (text.charAt(end - 1) == '.') {
                int dots = end;
                while (dots - 1 > start && text.charAt(dots - 1) == '.') {
                    dots--;
                }
                tail.add(text.substring(dots, end));
                end = dots;
            } else {
                tail.add(String.valueOf(text.charAt(end - 1)));
                end--;
            }
        }
        out.add(text.substring(start, end));
        for (int k = tail.size() - 1; k >= 0; k--) {
            out.add(tail.get(k));
        }
    }

    /** True for tokens datatrove does not count as words: substrings of {@link #PUNCTUATION}. */
    public static boolean isPunctuation(String token) {
        return PUNCTUATION.contains(token);
    }
}
