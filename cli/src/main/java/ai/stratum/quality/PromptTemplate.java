package ai.stratum.quality;

import ai.stratum.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * An annotation prompt: the text of a template file with exactly one {@value #PLACEHOLDER}, where the document goes;
 * the score digit is expected right after the template's end (one final newline of the file is not part of the
 * template). Encoded in three parts -- the text before the placeholder, the document, the text after -- so the
 * document can be cut to a token budget; tokens do not merge across the two seams.
 *
 * @param source  where the template came from, for messages
 * @param before  template text before {@value #PLACEHOLDER}
 * @param after   template text after it, up to where the digit goes
 */
public record PromptTemplate(String source, String before, String after) {
    public static final String PLACEHOLDER = "{text}";

    /** Parses a template file's content; a missing or repeated placeholder is an error naming {@code source}. */
    public static PromptTemplate parse(String source, String content) {
        String t = content.endsWith("\r\n") ? content.substring(0, content.length() - 2)
                : content.endsWith("\n") ? content.substring(0, content.length() - 1) : content;
        int at = t.indexOf(PLACEHOLDER);
        if (at < 0) {
            throw new IllegalArgumentException(source + ": the prompt template has no " + PLACEHOLDER + " placeholder; "
                    + "put " + PLACEHOLDER + " where the document's text goes");
        }
        if (t.indexOf(PLACEHOLDER, at + 1) >= 0) {
            throw new IllegalArgumentException(source + ": the prompt template has " + PLACEHOLDER + " more than once; "
                    + "the document goes in one place");
        }
        return new PromptTemplate(source, t.substring(0, at), t.substring(at + PLACEHOLDER.length()));
    }

    /**
     * The tokens of a prompt and of the candidate answers {@code "0"} .. {@code "k-1"} under a tokenizer: each
     * candidate must be one token that the tokenizer would produce right after the template's end, i.e.
     * {@code encode(after + d) == encode(after) + [token]}. When that fails and {@code after} ends with a space
     * (as "Score: " would under a GPT-2-style tokenizer, where " 3" is one token), the space moves into the
     * candidates: {@code encode(after') + [token of " d"]}.
     *
     * @param prefix     ids before the document (the model's start tokens, then {@code before})
     * @param suffix     ids after the document
     * @param candidates the token of each digit 0 .. k-1
     */
    public record Encoded(int[] prefix, int[] suffix, int[] candidates) {
    }

    public Encoded encode(Tokenizer tok, int[] start, int digits) {
        int[] pre = concat(start, tok.encodeOrdinary(before));
        int[] suffix = tok.encodeOrdinary(after);
        int[] cands = candidates(tok, after, suffix, "", digits);
        if (cands == null && after.endsWith(" ")) {
            String trimmed = after.substring(0, after.length() - 1);
            suffix = tok.encodeOrdinary(trimmed);
            cands = candidates(tok, trimmed, suffix, " ", digits);
        }
        if (cands == null) {
            throw new IllegalArgumentException(source + ": the score digits 0-" + (digits - 1) + " do not follow the "
                    + "template's end as single tokens under this model's tokenizer; end the template right where "
                    + "the digit goes (e.g. with 'Score:' or 'Score: ')");
        }
        for (int i = 0; i < cands.length; i++) {
            for (int j = 0; j < i; j++) {
                if (cands[i] == cands[j]) {
                    throw new IllegalArgumentException(source + ": digits " + j + " and " + i + " are the same token");
                }
            }
        }
        return new Encoded(pre, suffix, cands);
    }

    private static int[] candidates(Tokenizer tok, String after, int[] suffix, String sep, int digits) {
        int[] out = new int[digits];
        for (int d = 0; d < digits; d++) {
            int[] with = tok.encodeOrdinary(after + sep + d);
            if (with.length != suffix.length + 1 || !Arrays.equals(with, 0, suffix.length, suffix, 0, suffix.length)) {
                return null;
            }
            out[d] = with[suffix.length];
        }
        return out;
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
