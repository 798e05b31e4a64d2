package ai.stratum.data.step;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.GopherQualityConfig;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Gopher quality rules, in datatrove's order and with its reasons: word count, mean word length, hash and
 * ellipsis symbol ratios, bullet and ellipsis line ratios, alphabetic word ratio, stop words.
 */
public final class GopherQualityFilter implements DocumentStep {
    private final GopherQualityConfig c;
    private final Set<String> stopWords;

    public GopherQualityFilter(GopherQualityConfig config) {
        this.c = config;
        this.stopWords = new HashSet<>(config.stopWords());
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
        List<String> words = Words.tokenize(text);
        int nWords = 0;
        long wordChars = 0;
        for (String w : words) {
            if (!Words.isPunctuation(w)) {
                nWords++;
                wordChars += w.length();
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
        List<String> lines = text.lines().toList();
        int bullets = 0;
        int ellipsisEnds = 0;
        for (String line : lines) {
            if (line.stripLeading().startsWith("\u2022")) {
                bullets++;
            }
            String r = line.stripTrailing();
            if (r.endsWith("...") || r.endsWith("\u2026")) {
                ellipsisEnds++;
            }
        }
        int nLines = Math.max(1, lines.size());
        if (c.maxBulletLinesRatio() > 0 && (double) bullets / nLines > c.maxBulletLinesRatio()) {
            return "gopher_too_many_bullets";
        }
        if (c.maxEllipsisLinesRatio() > 0 && (double) ellipsisEnds / nLines > c.maxEllipsisLinesRatio()) {
            return "gopher_too_many_end_ellipsis";
        }
        int alpha = 0;
        int stop = 0;
        for (String w : words) {
            if (hasLetter(w)) {
                alpha++;
            }
            if (stopWords.contains(w)) {
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

    private static boolean hasLetter(String w) {
        for (int i = 0; i < w.length(); i++) {
            if (Character.isLetter(w.charAt(i))) {
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
