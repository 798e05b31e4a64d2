package ai.stratum.data.step;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.GopherQualityConfig;

import java.util.List;

/**
 * Gopher quality rules, in datatrove's order and with its reasons: word count, mean word length, hash and
 * ellipsis symbol ratios, bullet and ellipsis line ratios, alphabetic word ratio, stop words.
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
        double avg = nWords == 0 ? 0 : (double) wordChars / nWords;
        if (c.minAvgWordLength() > 0 && avg < c.minAvgWordLength()) {
            return "gopher_below_avg_threshold";
        }
        if (c.maxAvgWordLength() > 0 && avg > c.maxAvgWordLength()) {
            return "gopher_above_avg_threshold";
        }
        if (c.maxSymbolWordRatio() > 0 && (double) count(text, "#") / nWords > c.maxSymbolWordRatio()) {
            return "gopher_too_many_hashes";
        }
        if (c.maxSymbolWordRatio() > 0
                && (double) (count(text, "...") + count(text, "\u2026")) / nWords > c.maxSymbolWordRatio()) {
            return "gopher_too_many_ellipsis";
        }
        int lines = 0;
        int bullets = 0;
        int ellipsisEnds = 0;
        int n = text.length();
        for (int start = 0; start < n; ) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = n;
            }
            lines++;
            int first = start;
            while (first < end && Character.isWhitespace(text.charAt(first))) {
                first++;
            }
            if (first < end && text.charAt(first) == '\u2022') {
                bullets++;
            }
            int last = end;
            while (last > start && Character.isWhitespace(text.charAt(last - 1))) {
                last--;
            }
            if ((last - start >= 3 && text.startsWith("...", last - 3))
                    || (last > start && text.charAt(last - 1) == '\u2026')) {
                ellipsisEnds++;
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
        int stop = 0;
        for (int i = 0; i < words.count; i++) {
            if (words.hasLetter(i)) {
                alpha++;
            }
            if (words.length(i) <= maxStopWordLength && isStopWord(words, i)) {
                stop++;
            }
        }
        if (c.maxNonAlphaWordsRatio() > 0 && (double) alpha / nWords < c.maxNonAlphaWordsRatio()) {
            return "gopher_below_alpha_threshold";
        }
        if (c.minStopWords() > 0 && stop < c.minStopWords()) {
            return "gopher_enough_stop_words";
        }
        return null;
    }

    private boolean isStopWord(Words.Spans words, int i) {
        for (String w : stopWordList) {
            if (words.equalsToken(i, w)) {
                return true;
            }
        }
        return false;
    }

    static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }
}
