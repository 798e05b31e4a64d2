package ai.stratum.data.step;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.GopherRepetitionConfig;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Gopher repetition rules with datatrove's semantics (gopher_repetition_filter.py as of datatrove 0.10.0, commit
 * a649de79): duplicate paragraphs (split on {@code \n{2,}}) and lines (split on {@code \n+}) by
 * count and by characters; the most frequent 2-, 3-, 4-gram's characters; characters in repeated 5- to
 * 10-grams (a repeated n-gram is skipped over whole and counted without its spaces, as datatrove's
 * {@code find_all_duplicate} does).
 *
 * <p>Lines, paragraphs, words and n-grams are compared by 64-bit hashes instead of as strings: an accidental
 * collision needs two different ones in one document to share 64 bits.
 */
public final class GopherRepetitionFilter implements DocumentStep {
    private final GopherRepetitionConfig c;
    /** The n-gram rules unboxed, in the config's order: {@code [n, max_fraction]} pairs. */
    private final int[] topN;
    private final double[] topFrac;
    private final int[] dupN;
    private final double[] dupFrac;
    private final int maxN;

    public GopherRepetitionFilter(GopherRepetitionConfig config) {
        this.c = config;
        topN = config.topNGrams().stream().mapToInt(r -> r.get(0).intValue()).toArray();
        topFrac = config.topNGrams().stream().mapToDouble(r -> r.get(1)).toArray();
        dupN = config.dupNGrams().stream().mapToInt(r -> r.get(0).intValue()).toArray();
        dupFrac = config.dupNGrams().stream().mapToDouble(r -> r.get(1)).toArray();
        int max = 1;
        for (int n : topN) {
            max = Math.max(max, n);
        }
        for (int n : dupN) {
            max = Math.max(max, n);
        }
        maxN = max;
    }

    @Override
    public String name() {
        return "gopher_repetition";
    }

    @Override
    public StepResult apply(Document doc, StepStats stats) {
        String reason = reject(doc.text());
        return reason == null ? StepResult.keep(doc) : StepResult.drop(reason);
    }

    String reject(String text) {
        double length = Math.max(1, text.length());
        String reason = rejectLinesAndParagraphs(text, length);
        return reason != null ? reason : rejectNGrams(text, length);
    }

    private String rejectLinesAndParagraphs(String text, double length) {
        long[] dup = duplicateParagraphs(PyText.strip(text)); // Python's str.strip (no-break spaces too)
        if (c.dupParaFrac() > 0 && (double) dup[0] / dup[2] > c.dupParaFrac()) {
            return "dup_para_frac";
        }
        if (c.dupParaCharFrac() > 0 && dup[1] / length > c.dupParaCharFrac()) {
            return "dup_para_char_frac";
        }
        dup = duplicateLines(text);
        if (c.dupLineFrac() > 0 && (double) dup[0] / Math.max(1, dup[2]) > c.dupLineFrac()) {
            return "dup_line_frac";
        }
        if (c.dupLineCharFrac() > 0 && dup[1] / length > c.dupLineCharFrac()) {
            return "dup_line_char_frac";
        }
        return null;
    }

    private String rejectNGrams(String text, double length) {
        Words.Spans words = Words.scanShared(text);
        long[] ids = new long[words.count];
        int[] lengths = new int[words.count];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = words.hash(i);
            lengths[i] = words.length(i);
        }
        LongHashing.Counts counts = new LongHashing.Counts(ids.length);
        long[][] grams = nGramHashes(ids, maxN);
        for (int r = 0; r < topN.length; r++) {
            int n = topN[r];
            if (topFrac[r] > 0 && ids.length >= n) {
                counts.clear();
                if (topNGramChars(grams[n], lengths, n, counts) / length > topFrac[r]) {
                    return "top_" + n + "_gram";
                }
            }
        }
        if (dupRulesCannotFire(grams, lengths, ids.length, counts, length)) {
            return null;
        }
        // if no n-gram repeats, no longer one does (it would contain a repeated n-gram): skip those rules
        int noRepeatsFrom = Integer.MAX_VALUE;
        for (int r = 0; r < dupN.length; r++) {
            int n = dupN[r];
            if (dupFrac[r] > 0 && ids.length >= n && n < noRepeatsFrom) {
                counts.clear();
                long repeated = duplicateNGramChars(grams[n], lengths, n, counts, length, dupFrac[r]);
                if (repeated / length > dupFrac[r]) {
                    return "duplicated_" + n + "_n_grams";
                }
                if (repeated == 0) {
                    noRepeatsFrom = n;
                }
            }
        }
        return null;
    }

    /**
     * True when no duplicate n-gram rule can fire, found in one pass instead of one per rule. With m the smallest n
     * of the active rules: an n-gram (n >= m) that a rule counts as repeated at word i occurred before at some j <
     * i, so each of its m-grams occurred before too; its words all lie in m-grams that occurred before. The counted
     * n-grams do not overlap, so every rule's count is at most the characters (spaces excluded) of the words covered
     * by an m-gram that occurred before. When that bound passes every rule, they all pass.
     */
    private boolean dupRulesCannotFire(long[][] grams, int[] lengths, int words, LongHashing.Counts counts,
                                       double length) {
        int m = Integer.MAX_VALUE;
        for (int r = 0; r < dupN.length; r++) {
            if (dupFrac[r] > 0 && words >= dupN[r]) {
                m = Math.min(m, dupN[r]);
            }
        }
        if (m == Integer.MAX_VALUE) {
            return true;
        }
        counts.clear();
        long bound = coveredByRepeats(grams[m], lengths, m, counts);
        for (int r = 0; r < dupN.length; r++) {
            if (dupFrac[r] > 0 && words >= dupN[r] && bound / length > dupFrac[r]) {
                return false;
            }
        }
        return true;
    }

    /** Characters (spaces excluded) of the words inside some n-gram that occurred earlier in the text. */
    static long coveredByRepeats(long[] hashes, int[] lengths, int n, LongHashing.Counts seen) {
        long chars = 0;
        int coveredTo = 0; // words before this index are counted
        for (int i = 0; i < hashes.length; i++) {
            if (seen.increment(hashes[i]) > 1) {
                for (int k = Math.max(i, coveredTo); k < i + n; k++) {
                    chars += lengths[k];
                }
                coveredTo = i + n;
            }
        }
        return chars;
    }

    /**
     * {@code grams[n][i]}: a 64-bit hash of words i..i+n-1 for n = 1..maxN, each built from the (n-1)-gram's in
     * one pass (so all n cost O(words * maxN), not O(words * maxN^2)).
     */
    static long[][] nGramHashes(long[] ids, int maxN) {
        long[][] grams = new long[maxN + 1][];
        grams[1] = ids;
        for (int n = 2; n <= maxN && n <= ids.length; n++) {
            long[] prev = grams[n - 1];
            long[] cur = new long[ids.length - n + 1];
            for (int i = 0; i < cur.length; i++) {
                cur[i] = (Long.rotateLeft(prev[i], 27) ^ ids[i + n - 1]) * 0x9E3779B97F4A7C15L;
            }
            grams[n] = cur;
        }
        return grams;
    }

    /** {duplicate paragraphs, their characters, paragraphs}; paragraphs are separated by 2+ newlines. */
    static long[] duplicateParagraphs(String text) {
        int n = text.length();
        int paragraphs = 1;
        for (int i = 0; i + 1 < n; i++) {
            if (text.charAt(i) == '\n' && text.charAt(i + 1) == '\n') {
                paragraphs++;
                while (i + 1 < n && text.charAt(i + 1) == '\n') {
                    i++;
                }
            }
        }
        LongHashing.Counts seen = new LongHashing.Counts(paragraphs);
        long elements = 0;
        long chars = 0;
        int count = 0;
        int start = 0;
        for (int i = 0; i <= n; i++) {
            if (i == n || (text.charAt(i) == '\n' && i + 1 < n && text.charAt(i + 1) == '\n')) {
                count++;
                if (seen.increment(LongHashing.hash(text, start, i)) > 1) {
                    elements++;
                    chars += i - start;
                }
                if (i == n) {
                    break;
                }
                while (i < n && text.charAt(i) == '\n') {
                    i++;
                }
                start = i;
                i--;
            }
        }
        return new long[] {elements, chars, count};
    }

    /**
     * {duplicate lines, their characters, lines}, lines as datatrove splits them: {@code re.split("\n+", text)}
     * (gopher_repetition_filter.py, datatrove 0.10.0: {@code self._line_splitter = re.compile("\n+")}). A run of
     * newlines is one separator, so the blank lines between paragraphs are not lines and never duplicates; only a
     * leading or trailing newline run yields an empty line (at the start or end), as with Python's split.
     */
    static long[] duplicateLines(String text) {
        int n = text.length();
        int lines = 1;
        for (int i = 0; i < n; i++) {
            if (text.charAt(i) == '\n' && (i + 1 == n || text.charAt(i + 1) != '\n')) {
                lines++;
            }
        }
        LongHashing.Counts seen = new LongHashing.Counts(lines);
        long elements = 0;
        long chars = 0;
        int count = 0;
        int start = 0;
        while (true) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = n;
            }
            count++;
            if (seen.increment(LongHashing.hash(text, start, end)) > 1) {
                elements++;
                chars += end - start;
            }
            if (end == n) {
                break;
            }
            start = end;
            while (start < n && text.charAt(start) == '\n') {
                start++;
            }
        }
        return new long[] {elements, chars, count};
    }

    /** {duplicate elements, characters in duplicates}: every occurrence after the first counts. */
    static long[] findDuplicates(List<String> items) {
        Set<String> seen = new HashSet<>();
        long elements = 0;
        long chars = 0;
        for (String s : items) {
            if (!seen.add(s)) {
                elements++;
                chars += s.length();
            }
        }
        return new long[] {elements, chars};
    }

    /**
     * Given the n-gram hashes in order: characters of the most frequent n-gram (joined with spaces) times its count;
     * among equally frequent n-grams the first to occur wins, as with Python's {@code Counter.most_common(1)}. One
     * pass: the leader so far is the n-gram with the highest count so far (ties: the earlier first occurrence), and
     * only the n-gram just counted can overtake it.
     */
    static long topNGramChars(long[] hashes, int[] lengths, int n, LongHashing.Counts counts) {
        int bestCount = 0;
        int bestAt = -1;
        for (int i = 0; i < hashes.length; i++) {
            int slot = counts.add(hashes[i], i);
            int count = counts.countAt(slot);
            if (count > bestCount || (count == bestCount && counts.firstAt(slot) < bestAt)) {
                bestCount = count;
                bestAt = counts.firstAt(slot);
            }
        }
        return bestAt < 0 ? 0 : (long) chars(lengths, bestAt, n) * bestCount;
    }

    /** Given the n-gram hashes in order: characters (spaces excluded) in repeated n-grams; a repeat skips n words. */
    static long duplicateNGramChars(long[] hashes, int[] lengths, int n, LongHashing.Counts seen) {
        return duplicateNGramChars(hashes, lengths, n, seen, 1, Double.POSITIVE_INFINITY);
    }

    /**
     * {@link #duplicateNGramChars(long[], int[], int, LongHashing.Counts)}, but stops counting once
     * {@code repeated / length > maxFraction} (the count only grows, so the rule's decision is already made).
     */
    static long duplicateNGramChars(long[] hashes, int[] lengths, int n, LongHashing.Counts seen, double length,
                                    double maxFraction) {
        long repeated = 0;
        int i = 0;
        while (i < hashes.length) {
            if (seen.increment(hashes[i]) > 1) {
                repeated += chars(lengths, i, n) - (n - 1);
                if (repeated / length > maxFraction) {
                    return repeated;
                }
                i += n;
            } else {
                i++;
            }
        }
        return repeated;
    }

    private static int chars(int[] lengths, int from, int n) {
        int c = n - 1;
        for (int k = from; k < from + n; k++) {
            c += lengths[k];
        }
        return c;
    }
}
