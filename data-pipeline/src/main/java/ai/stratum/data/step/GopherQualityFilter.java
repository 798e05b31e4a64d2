package ai.stratum.data.step;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.GopherQualityConfig;

import java.util.List;

/**
 * Gopher quality rules, in datatrove's order and with its reasons (gopher_quality_filter.py, datatrove 0.10.0):
 * word count and mean word length over non-symbol words; hash and ellipsis counts, and the alphabetic-word
 * ratio, over all tokens; bullet ("\u2022" or "-") and ellipsis line ratios over {@code splitlines()}; the number of
 * distinct stop words present.
 */
public final class GopherQualityFilter implements DocumentStep {
    private final GopherQualityConfig c;
    private final List<String> stopWordList;
    private final int maxStopWordLength;

    public GopherQualityFilter(GopherQualityConfig config) {
        this.c = config;
        this.stopWordList = List.copyOf(new java.util.LinkedHashSet<>(config.stopWords()));
        this.maxStopWordLength = stopWordList.stream().mapToInt(String::length).max().orElse(0);
    }

    @Override
    public String name() {
        return "gopher_quality";
    }

    @Override
    public StepResult apply(Document doc, StepStats stats) {
        String reason = reject(doc.text());
        return reason == null ? StepResult.keep(doc) : StepResult.drop(reason);
    }

    String reject(String text) {
        Words.Spans words = Words.scanShared(text);
        // n_words = len(words): every token, symbols included, is the denominator of the ratios below
        int allWords = words.count;
        int nWords = 0;
        long wordChars = 0;
        for (int i = 0; i < words.count; i++) {
            if (!words.isPunctuation(i)) {
                nWords++;
                wordChars += words.length(i);
            }
        }
        if (c.minDocWords() > 0 && nWords < c.minDocWords()) {
            return "gopher_short_doc";
        }
        if (c.maxDocWords() > 0 && nWords > c.maxDocWords()) {
            return "gopher_long_doc";
        }
        if (allWords == 0) {
            return "gopher_short_doc"; // datatrove divides by zero here; an empty page is never kept
        }
        // np.mean of no words is NaN, which fails neither comparison
        double avg = nWords == 0 ? Double.NaN : (double) wordChars / nWords;
        if (c.minAvgWordLength() > 0 && avg < c.minAvgWordLength()) {
            return "gopher_below_avg_threshold";
        }
        if (c.maxAvgWordLength() > 0 && avg > c.maxAvgWordLength()) {
            return "gopher_above_avg_threshold";
        }
        if (c.maxSymbolWordRatio() > 0 && (double) count(text, "#") / allWords > c.maxSymbolWordRatio()) {
            return "gopher_too_many_hashes";
        }
        if (c.maxSymbolWordRatio() > 0
                && (double) (count(text, "...") + count(text, "\u2026")) / allWords > c.maxSymbolWordRatio()) {
            return "gopher_too_many_ellipsis";
        }
        // lines = text.splitlines(); bullets: s.lstrip().startswith("\u2022") or ("-"); ellipsis: s.rstrip() ends
        int lines = 0;
        int bullets = 0;
        int ellipsisEnds = 0;
        int n = text.length();
        for (int start = 0; start < n; ) {
            int end = start;
            while (end < n && !PyText.isLineBreak(text.charAt(end))) {
                end++;
            }
            lines++;
            int first = PyText.skipSpace(text, start, end);
            if (first < end && (text.charAt(first) == '\u2022' || text.charAt(first) == '-')) {
                bullets++;
            }
            int last = PyText.trimSpaceEnd(text, start, end);
            if ((last - start >= 3 && text.startsWith("...", last - 3))
                    || (last > start && text.charAt(last - 1) == '\u2026')) {
                ellipsisEnds++;
            }
            if (end < n && text.charAt(end) == '\r' && end + 1 < n && text.charAt(end + 1) == '\n') {
                end++;
            }
            start = end + 1;
        }
        int nLines = Math.max(1, lines);
        if (c.maxBulletLinesRatio() > 0 && (double) bullets / nLines > c.maxBulletLinesRatio()) {
            return "gopher_too_many_bullets";
        }
        if (c.maxEllipsisLinesRatio() > 0 && (double) ellipsisEnds / nLines > c.maxEllipsisLinesRatio()) {
            return "gopher_too_many_end_ellipsis";
        }
        int alpha = 0;
        long stopSeen = 0; // bit k: stop word k occurs (datatrove counts the distinct stop words present)
        for (int i = 0; i < words.count; i++) {
            if (words.hasLetter(i)) {
                alpha++;
            }
            if (words.length(i) <= maxStopWordLength) {
                stopSeen |= stopWordBit(words, i);
            }
        }
        if (c.maxNonAlphaWordsRatio() > 0 && (double) alpha / allWords < c.maxNonAlphaWordsRatio()) {
            return "gopher_below_alpha_threshold";
        }
        if (c.minStopWords() > 0 && Long.bitCount(stopSeen) < Math.min(c.minStopWords(), 64)) {
            return "gopher_enough_stop_words";
        }
        return null;
    }

    /** {@code 1L << k} when token i is stop word k (k < 64), else 0. */
    private long stopWordBit(Words.Spans words, int i) {
        for (int k = 0; k < stopWordList.size() && k < 64; k++) {
            if (words.equalsToken(i, stopWordList.get(k))) {
                return 1L << k;
            }
        }
        return 0;
    }

    static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }
}
