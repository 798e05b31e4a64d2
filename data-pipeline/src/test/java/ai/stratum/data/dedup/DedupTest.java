package ai.stratum.data.dedup;

import ai.stratum.data.recipe.DedupConfig;
import ai.stratum.fixtures.web.SyntheticWeb;
import ai.stratum.fixtures.web.WordLists;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DedupTest {
    private final MinHash minHash = new MinHash(DedupConfig.defaults());

    @Test
    void simplifierFollowsDatatrovesDefaults() {
        assertEquals("cafe costs 0 00 at noon it s true", TextSimplifier.simplify("  Café costs 3,50 at NOON -- it's TRUE!  "));
        assertEquals("", TextSimplifier.simplify("!!! ..."));
    }

    /** The reference: Jaccard similarity of the 5-word shingle sets, computed on sets of strings. */
    private static double jaccard(String x, String y) {
        Set<String> a = shingles(x);
        Set<String> b = shingles(y);
        Set<String> inter = new HashSet<>(a);
        inter.retainAll(b);
        Set<String> union = new HashSet<>(a);
        union.addAll(b);
        return (double) inter.size() / union.size();
    }

    private static Set<String> shingles(String text) {
        String[] w = TextSimplifier.simplify(text).split(" ");
        Set<String> out = new HashSet<>();
        for (int i = 0; i + 5 <= w.length; i++) {
            out.add(String.join(" ", List.of(w).subList(i, i + 5)));
        }
        return out;
    }

    @Test
    void signatureAgreementEstimatesJaccard() {
        SyntheticWeb web = new SyntheticWeb(21);
        double worst = 0;
        for (int i = 0; i < 40; i++) {
            String base = web.prose(WordLists.EN, 6);
            String variant = web.nearDuplicate(base, 0.01 * (i % 20), WordLists.EN);
            double truth = jaccard(base, variant);
            double estimate = MinHash.estimateJaccard(minHash.signature(base), minHash.signature(variant));
            worst = Math.max(worst, Math.abs(truth - estimate));
        }
        // 112 rows: standard error <= 0.05; 40 pairs stay within 4 standard errors
        assertTrue(worst < 0.2, "worst |estimate - jaccard| = " + worst);
        assertNull(minHash.signature("only four words here"));
    }

    @Test
    void nearDuplicatesAreRemovedAndDifferentDocumentsKept() {
        SyntheticWeb web = new SyntheticWeb(7);
        List<String> docs = new ArrayList<>();
        int n = 100;
        for (int i = 0; i < n; i++) {
            docs.add(web.prose(WordLists.EN, 6));
        }
        for (int i = 0; i < n; i++) {
            docs.add(web.nearDuplicate(docs.get(i), 0.02, WordLists.EN));
        }
        for (int i = 0; i < n; i++) {
            docs.add(web.nearDuplicate(docs.get(i), 0.5, WordLists.EN));
        }
        DedupIndex index = new DedupIndex();
        for (int i = 0; i < docs.size(); i++) {
            long[] exact = ExactHash.of(docs.get(i));
            index.add(i, exact[0], exact[1], minHash.bandKeys(minHash.signature(docs.get(i))));
        }
        List<DedupIndex.Removal> removed = index.removals(true, true);
        int recalled = 0;
        for (DedupIndex.Removal r : removed) {
            assertEquals("minhash_duplicate", r.reason());
            assertTrue(r.key() >= n && r.key() < 2 * n, "only the 2% variants are duplicates: removed " + r.key());
            assertEquals(r.key() - n, r.keptKey(), "the original, first in order, is kept");
            recalled++;
        }
        // a 2% change leaves Jaccard ~0.82; 14x8 LSH catches that with probability ~0.97
        assertTrue(recalled >= 90, "recall " + recalled + "/" + n);
    }

    @Test
    void exactDuplicatesUpToWhitespaceKeepTheFirst() {
        DedupIndex index = new DedupIndex();
        String[] texts = {"Same text here.", "Different text.", "Same   text\nhere.", "same text here."};
        for (int i = 0; i < texts.length; i++) {
            long[] h = ExactHash.of(texts[i]);
            index.add(10 + i, h[0], h[1], null);
        }
        assertEquals(List.of(new DedupIndex.Removal(12, "exact_duplicate", 10)), index.removals(true, false));
        assertEquals(List.of(), index.removals(false, false));
    }

    @Test
    void clustersChainToTheirFirstDocument() {
        DedupIndex index = new DedupIndex();
        // 0 and 2 share band 0; 2 and 1 share band 1; 3 is alone: cluster {0, 1, 2} keeps 0
        index.add(0, 0, 0, new long[] {5, 6});
        index.add(1, 1, 1, new long[] {7, 8});
        index.add(2, 2, 2, new long[] {5, 8});
        index.add(3, 3, 3, new long[] {9, 10});
        assertEquals(List.of(new DedupIndex.Removal(1, "minhash_duplicate", 0),
                new DedupIndex.Removal(2, "minhash_duplicate", 0)), index.removals(true, true));
    }
}
