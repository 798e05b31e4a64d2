package ai.stratum.data.step;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.GopherRepetitionConfig;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Gopher repetition rules with datatrove's semantics: duplicate paragraphs ({@code \n\n}-separated) and lines by
 * count and by characters; the most frequent 2-, 3-, 4-gram's characters; characters in repeated 5- to
 * 10-grams (a repeated n-gram is skipped over whole and counted without its spaces, as datatrove's
 * {@code find_all_duplicate} does).
 *
 * <p>N-grams are compared by a 64-bit hash of their word ids instead of by joined strings: an accidental
 * collision needs two different n-grams in one document to share 64 bits.
 */
public final class GopherRepetitionFilter implements DocumentStep {
    private static final Pattern PARAGRAPHS = Pattern.compile("\\n{2,}");
    private final GopherRepetitionConfig c;

    public GopherRepetitionFilter(GopherRepetitionConfig config) {
        this.c = config;
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
        String[] paragraphs = PARAGRAPHS.split(text.strip());
        long[] dup = findDuplicates(List.of(paragraphs));
        if (c.dupParaFrac() > 0 && (double) dup[0] / paragraphs.length > c.dupParaFrac()) {
            return "dup_para_frac";
        }
        if (c.dupParaCharFrac() > 0 && dup[1] / length > c.dupParaCharFrac()) {
            return "dup_para_char_frac";
        }
        List<String> lines = text.lines().toList();
        dup = findDuplicates(lines);
        if (c.dupLineFrac() > 0 && (double) dup[0] / Math.max(1, lines.size()) > c.dupLineFrac()) {
            return "dup_line_frac";
        }
        if (c.dupLineCharFrac() > 0 && dup[1] / length > c.dupLineCharFrac()) {
            return "dup_line_char_frac";
        }
        List<String> words = Words.tokenize(text);
        int[] ids = new int[words.size()];
        int[] lengths = new int[words.size()];
        Map<String, Integer> vocab = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            ids[i] = vocab.computeIfAbsent(words.get(i), k -> vocab.size());
            lengths[i] = words.get(i).length();
        }
        for (List<Double> rule : c.topNGrams()) {
            int n = rule.get(0).intValue();
            if (rule.get(1) > 0 && ids.length >= n && topNGramChars(ids, lengths, n) / length > rule.get(1)) {
                return "top_" + n + "_gram";
            }
        }
        for (List<Double> rule : c.dupNGrams()) {
            int n = rule.get(0).intValue();
            if (rule.get(1) > 0 && ids.length >= n && duplicateNGramChars(ids, lengths, n) / length > rule.get(1)) {
                return "duplicated_" + n + "_n_grams";
            }
        }
        return null;
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
     * Characters of the most frequent n-gram (joined with spaces) times its count; among equally frequent n-grams
     * the first to occur wins, as with Python's {@code Counter.most_common(1)}.
     */
    static long topNGramChars(int[] ids, int[] lengths, int n) {
        Map<Long, int[]> counts = new HashMap<>();
        long[] hashes = new long[ids.length - n + 1];
        for (int i = 0; i < hashes.length; i++) {
            hashes[i] = hash(ids, i, n);
            counts.computeIfAbsent(hashes[i], k -> new int[1])[0]++;
        }
        int bestCount = 0;
        int bestAt = -1;
        for (int i = 0; i < hashes.length; i++) {
            int count = counts.get(hashes[i])[0];
            if (count > bestCount) {
                bestCount = count;
                bestAt = i;
            }
        }
        return bestAt < 0 ? 0 : (long) chars(lengths, bestAt, n) * bestCount;
    }

    /** Characters (spaces excluded) in repeated n-grams; after a repeat, skip its n words. */
    static long duplicateNGramChars(int[] ids, int[] lengths, int n) {
        Set<Long> seen = new HashSet<>();
        long repeated = 0;
        int i = 0;
        while (i + n <= ids.length) {
            if (!seen.add(hash(ids, i, n))) {
                repeated += chars(lengths, i, n) - (n - 1);
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

    private static long hash(int[] ids, int from, int n) {
        long h = 0x9E3779B97F4A7C15L * (n + 1);
        for (int k = from; k < from + n; k++) {
            h = Long.rotateLeft(h ^ (ids[k] * 0xC2B2AE3D27D4EB4FL), 31) * 0x165667B19E3779F9L;
        }
        return h ^ (h >>> 29);
    }
}
