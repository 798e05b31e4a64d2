package ai.stratum.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tokenizer.json {@code pre_tokenizer}: splits each piece of normalized text into smaller pieces (and may
 * rewrite them: Metaspace puts its replacement for spaces, ByteLevel maps bytes to GPT-2's byte characters),
 * as Hugging Face's {@code PreTokenizedString::split}: empty pieces are dropped.
 */
sealed interface PreTokenizer {
    /**
     * A piece of text; {@code atStart} says it begins at offset 0 of the encoded text (Metaspace's
     * {@code prepend_scheme: first} looks at it).
     */
    record Piece(String text, boolean atStart) {
    }

    /** Splits one piece, appending the non-empty results to {@code out}. */
    void split(Piece piece, List<Piece> out);

    /** Splits every piece. */
    default List<Piece> splitAll(List<Piece> pieces) {
        List<Piece> out = new ArrayList<>(pieces.size() * 2);
        for (Piece p : pieces) {
            split(p, out);
        }
        return out;
    }

    /** Hugging Face's split delimiter behaviours. */
    enum Behavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    /**
     * Splits {@code text} at the given spans (covering it, in order; {@code match[k]} says whether span k is a
     * delimiter) with a behaviour, as Hugging Face's {@code NormalizedString::split}.
     */
    static void splitSpans(Piece piece, int[] bounds, boolean[] match, int spans, Behavior behavior, List<Piece> out) {
        String text = piece.text();
        int[] starts = new int[spans];
        int[] ends = new int[spans];
        boolean[] keep = new boolean[spans];
        int n = 0;
        boolean previousMatch = false;
        switch (behavior) {
            case ISOLATED, REMOVED -> {
                for (int k = 0; k < spans; k++) {
                    starts[n] = bounds[k];
                    ends[n] = bounds[k + 1];
                    keep[n++] = behavior == Behavior.ISOLATED || !match[k];
                }
            }
            case CONTIGUOUS, MERGED_WITH_PREVIOUS -> {
                for (int k = 0; k < spans; k++) {
                    // contiguous: a span joins the previous piece when it is of the same kind (delimiter or not);
                    // merged with previous: a delimiter joins the piece before it
                    boolean join = behavior == Behavior.CONTIGUOUS ? match[k] == previousMatch
                            : match[k] && !previousMatch;
                    if (join && n > 0) {
                        ends[n - 1] = bounds[k + 1];
                    } else {
                        starts[n] = bounds[k];
                        ends[n] = bounds[k + 1];
                        keep[n++] = true;
                    }
                    previousMatch = match[k];
                }
            }
            case MERGED_WITH_NEXT -> {
                // Hugging Face folds from the right: a delimiter joins the piece after it.
                int[] rs = new int[spans];
                int[] re = new int[spans];
                int m = 0;
                for (int k = spans - 1; k >= 0; k--) {
                    if (match[k] && !previousMatch && m > 0) {
                        rs[m - 1] = bounds[k];
                    } else {
                        rs[m] = bounds[k];
                        re[m++] = bounds[k + 1];
                    }
                    previousMatch = match[k];
                }
                for (int k = m - 1; k >= 0; k--) {
                    starts[n] = rs[k];
                    ends[n] = re[k];
                    keep[n++] = true;
                }
            }
            default -> throw new IllegalStateException();
        }
        for (int k = 0; k < n; k++) {
            if (keep[k] && ends[k] > starts[k]) {
                out.add(new Piece(text.substring(starts[k], ends[k]), piece.atStart() && starts[k] == 0));
            }
        }
    }

    /** Spans of the matches of a regex and the text between them (Hugging Face's {@code find_matches}). */
    static void splitRegex(Piece piece, Pattern pattern, boolean invert, Behavior behavior, List<Piece> out) {
        String text = piece.text();
        IntList bounds = new IntList(16);
        List<Boolean> match = new ArrayList<>();
        bounds.add(0);
        int prev = 0;
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            if (m.start() != prev) {
                bounds.add(m.start());
                match.add(invert);
            }
            bounds.add(m.end());
            match.add(!invert);
            prev = m.end();
        }
        if (prev != text.length()) {
            bounds.add(text.length());
            match.add(invert);
        }
        splitSpans(piece, bounds.toArray(), toArray(match), match.size(), behavior, out);
    }

    /** Spans where each code point satisfying {@code test} is a one-character delimiter. */
    static void splitChars(Piece piece, IntPredicate test, Behavior behavior, List<Piece> out) {
        String text = piece.text();
        IntList bounds = new IntList(16);
        List<Boolean> match = new ArrayList<>();
        bounds.add(0);
        int last = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (test.test(cp)) {
                if (last < i) {
                    bounds.add(i);
                    match.add(false);
                }
                bounds.add(next);
                match.add(true);
                last = next;
            }
            i = next;
        }
        if (last < text.length()) {
            bounds.add(text.length());
            match.add(false);
        }
        splitSpans(piece, bounds.toArray(), toArray(match), match.size(), behavior, out);
    }

    private static boolean[] toArray(List<Boolean> list) {
        boolean[] a = new boolean[list.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = list.get(i);
        }
        return a;
    }

    /**
     * GPT-2's byte-level step: optionally a space before a piece that lacks one, optionally GPT-2's split pattern,
     * then each piece's UTF-8 bytes written as GPT-2's byte characters (the vocab's alphabet).
     */
    record ByteLevelSplit(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        @Override
        public void split(Piece piece, List<Piece> out) {
            String text = piece.text();
            if (addPrefixSpace && !text.startsWith(" ")) {
                text = " " + text;
            }
            if (!useRegex) {
                out.add(new Piece(ByteLevel.encode(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)), piece.atStart()));
                return;
            }
            char[] chars = text.toCharArray();
            for (int i = 0; i < chars.length; ) {
                int j = Gpt2PreTokenizer.tokenEnd(chars, i, chars.length);
                String part = new String(chars, i, j - i);
                out.add(new Piece(ByteLevel.encode(part.getBytes(java.nio.charset.StandardCharsets.UTF_8)), piece.atStart() && i == 0));
                i = j;
            }
        }
    }

    /** Split by a literal or regex pattern. {@code regex} is the pattern's source (null for a literal). */
    record Split(Pattern pattern, String regex, boolean invert, Behavior behavior) implements PreTokenizer {
        @Override
        public void split(Piece piece, List<Piece> out) {
            splitRegex(piece, pattern, invert, behavior, out);
        }
    }

    /** SentencePiece's space handling: spaces become the replacement, which may be prepended, then split before it. */
    record Metaspace(char replacement, String prependScheme, boolean splitOnReplacement) implements PreTokenizer {
        @Override
        public void split(Piece piece, List<Piece> out) {
            String text = piece.text().replace(' ', replacement);
            boolean prepend = switch (prependScheme) {
                case "always" -> true;
                case "first" -> piece.atStart();
                default -> false;
            };
            if (prepend && !text.startsWith(String.valueOf(replacement))) {
                text = replacement + text;
            }
            Piece p = new Piece(text, piece.atStart());
            if (splitOnReplacement) {
                splitChars(p, cp -> cp == replacement, Behavior.MERGED_WITH_NEXT, out);
            } else if (!text.isEmpty()) {
                out.add(p);
            }
        }
    }

    /** Digits apart from the rest: each alone, or runs together. */
    record Digits(boolean individualDigits) implements PreTokenizer {
        @Override
        public void split(Piece piece, List<Piece> out) {
            splitChars(piece, Unicode::isNumeric, individualDigits ? Behavior.ISOLATED : Behavior.CONTIGUOUS, out);
        }
    }

    /** Runs of word characters and runs of other non-space characters; whitespace dropped ({@code \w+|[^\w\s]+}). */
    record Whitespace() implements PreTokenizer {
        private static final Pattern WORDS = RegexDialect.compile("\\w+|[^\\w\\s]+");

        @Override
        public void split(Piece piece, List<Piece> out) {
            splitRegex(piece, WORDS, true, Behavior.REMOVED, out);
        }
    }

    /** Split on whitespace, which is dropped. */
    record WhitespaceSplit() implements PreTokenizer {
        @Override
        public void split(Piece piece, List<Piece> out) {
            splitChars(piece, Unicode::isWhiteSpace, Behavior.REMOVED, out);
        }
    }

    /** Punctuation characters apart from the rest. */
    record Punctuation(Behavior behavior) implements PreTokenizer {
        @Override
        public void split(Piece piece, List<Piece> out) {
            splitChars(piece, Unicode::isPunctuation, behavior, out);
        }
    }

    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        @Override
        public void split(Piece piece, List<Piece> out) {
            List<Piece> pieces = List.of(piece);
            for (PreTokenizer step : steps) {
                pieces = step.splitAll(pieces);
            }
            out.addAll(pieces);
        }
    }

    /**
     * The hand-written scanner that does this whole pre-tokenizer on raw text, or null: GPT-2's ByteLevel with its
     * regex, or Split(a known pattern, Isolated) followed by ByteLevel without regex, neither adding a prefix space.
     */
    static SplitScanner fastScanner(PreTokenizer p) {
        if (p instanceof ByteLevelSplit b && b.useRegex() && !b.addPrefixSpace()) {
            return SplitScanner.GPT2;
        }
        if (p instanceof Sequence s && s.steps().size() == 2 && s.steps().get(0) instanceof Split split
                && s.steps().get(1) instanceof ByteLevelSplit b && !b.useRegex() && !b.addPrefixSpace()
                && split.regex() != null && !split.invert() && split.behavior() == Behavior.ISOLATED) {
            return SplitScanner.forPattern(split.regex());
        }
        return null;
    }

    /** Whether the pieces come out as GPT-2 byte characters (a ByteLevel step is last). */
    static boolean endsByteLevel(PreTokenizer p) {
        if (p instanceof ByteLevelSplit) {
            return true;
        }
        return p instanceof Sequence s && !s.steps().isEmpty() && endsByteLevel(s.steps().get(s.steps().size() - 1));
    }

    /** Reads a pre-tokenizer; null for JSON null. */
    static PreTokenizer read(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = JsonKeys.type(node, where);
        switch (type) {
            case "ByteLevel" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type", "add_prefix_space", "trim_offsets", "use_regex"));
                return new ByteLevelSplit(JsonKeys.bool(node, "add_prefix_space", where, true),
                        JsonKeys.bool(node, "use_regex", where, true));
            }
            case "Split" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type", "pattern", "behavior", "invert"));
                JsonNode pat = node.get("pattern");
                String regex = pat != null && pat.has("Regex") ? pat.get("Regex").asText() : null;
                return new Split(JsonKeys.pattern(node, "pattern", where), regex, JsonKeys.bool(node, "invert", where, false),
                        behavior(node, where, null));
            }
            case "Metaspace" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type", "replacement", "prepend_scheme", "add_prefix_space", "split",
                        "str_rep"));
                String replacement = JsonKeys.string(node, "replacement", where, "\u2581");
                if (replacement.length() != 1) {
                    throw new IllegalArgumentException(where + ".replacement must be one character, got '" + replacement + "'");
                }
                String scheme;
                if (node.hasNonNull("prepend_scheme")) {
                    scheme = JsonKeys.string(node, "prepend_scheme", where, "always");
                    if (!Set.of("always", "first", "never").contains(scheme)) {
                        throw new IllegalArgumentException(where + ".prepend_scheme must be always, first or never, got '" + scheme + "'");
                    }
                } else {
                    scheme = JsonKeys.bool(node, "add_prefix_space", where, true) ? "always" : "never";
                }
                return new Metaspace(replacement.charAt(0), scheme, JsonKeys.bool(node, "split", where, true));
            }
            case "Digits" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type", "individual_digits"));
                return new Digits(JsonKeys.bool(node, "individual_digits", where, false));
            }
            case "Whitespace" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type"));
                return new Whitespace();
            }
            case "WhitespaceSplit" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type"));
                return new WhitespaceSplit();
            }
            case "Punctuation" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type", "behavior"));
                return new Punctuation(behavior(node, where, Behavior.ISOLATED));
            }
            case "Sequence" -> {
                JsonKeys.onlyKnown(node, where, Set.of("type", "pretokenizers"));
                return new Sequence(JsonKeys.components(node, "pretokenizers", where, PreTokenizer::read));
            }
            default -> throw new IllegalArgumentException(where + " '" + type + "' is not supported; stratum reads the "
                    + "pre-tokenizers ByteLevel, Split, Metaspace, Digits, Whitespace, WhitespaceSplit, Punctuation and Sequence");
        }
    }

    private static Behavior behavior(JsonNode node, String where, Behavior absent) {
        String b = JsonKeys.string(node, "behavior", where, null);
        if (b == null) {
            if (absent == null) {
                throw new IllegalArgumentException(where + ".behavior is missing");
            }
            return absent;
        }
        return switch (b) {
            case "Removed" -> Behavior.REMOVED;
            case "Isolated" -> Behavior.ISOLATED;
            case "MergedWithPrevious" -> Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> Behavior.CONTIGUOUS;
            default -> throw new IllegalArgumentException(where + ".behavior '" + b + "' is not one of Removed, Isolated, "
                    + "MergedWithPrevious, MergedWithNext, Contiguous");
        };
    }
}
