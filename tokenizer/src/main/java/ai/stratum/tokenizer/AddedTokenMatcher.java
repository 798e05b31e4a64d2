package ai.stratum.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in text as Hugging Face's {@code AddedVocabulary::find_matches}: leftmost match first and,
 * at one position, the longest (ties: smaller id); then single_word, lstrip and rstrip adjust or veto it.
 * Candidates are found by their first character, so text is scanned once whatever the number of tokens.
 */
final class AddedTokenMatcher {
    /** A stretch of text: an added token's id, or -1 for text between tokens. */
    record Span(int from, int to, int id) {
    }

    private final Map<Character, AddedToken[]> byFirstChar = new HashMap<>();
    private final boolean empty;

    AddedTokenMatcher(List<AddedToken> tokens) {
        Map<Character, List<AddedToken>> lists = new HashMap<>();
        for (AddedToken t : tokens) {
            lists.computeIfAbsent(t.content().charAt(0), k -> new ArrayList<>()).add(t);
        }
        lists.forEach((c, list) -> {
            list.sort(Comparator.comparingInt((AddedToken t) -> -t.content().length()).thenComparingInt(AddedToken::id));
            byFirstChar.put(c, list.toArray(new AddedToken[0]));
        });
        empty = tokens.isEmpty();
    }

    boolean isEmpty() {
        return empty;
    }

    /** Cuts {@code s[from, to)} into spans of added tokens and the text between them (no empty text spans). */
    List<Span> split(String s, int from, int to) {
        List<Span> spans = new ArrayList<>();
        int startOffset = from;
        int i = from;
        while (i < to) {
            AddedToken[] candidates = byFirstChar.get(s.charAt(i));
            AddedToken found = null;
            if (candidates != null) {
                for (AddedToken t : candidates) {
                    if (s.startsWith(t.content(), i) && i + t.content().length() <= to) {
                        found = t;
                        break;
                    }
                }
            }
            if (found == null) {
                i++;
                continue;
            }
            int start = i;
            int stop = i + found.content().length();
            if (found.singleWord()) {
                boolean startOk = start == from || !isWordChar(s.codePointBefore(start));
                boolean stopOk = stop == to || !isWordChar(s.codePointAt(stop));
                if (!startOk || !stopOk) {
                    i = stop; // as the Aho-Corasick iterator, which resumes after the vetoed match
                    continue;
                }
            }
            if (found.lstrip()) {
                int k = start;
                while (k > startOffset && Unicode.isWhiteSpace(s.codePointBefore(k))) {
                    k -= Character.charCount(s.codePointBefore(k));
                }
                start = k;
            }
            if (found.rstrip()) {
                while (stop < to && Unicode.isWhiteSpace(s.codePointAt(stop))) {
                    stop += Character.charCount(s.codePointAt(stop));
                }
            }
            if (startOffset < start) {
                spans.add(new Span(startOffset, start, -1));
            }
            spans.add(new Span(start, stop, found.id()));
            startOffset = stop;
            i = stop;
        }
        if (startOffset < to) {
            spans.add(new Span(startOffset, to, -1));
        }
        return spans;
    }

    private static boolean isWordChar(int cp) {
        return Unicode.isAlphanumeric(cp) || cp == '_';
    }
}
