package ai.stratum.data.spark;

import ai.stratum.data.dedup.DedupIndex;
import ai.stratum.data.dedup.DocSignature;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The distributed dedup stages against the local executor's union-find, on graphs built to be awkward. */
class SparkDedupTest {
    private static JavaSparkContext jsc;

    @BeforeAll
    static void start() {
        jsc = SparkTests.start("SparkDedupTest");
    }

    @AfterAll
    static void stop() {
        jsc.stop();
    }

    /** Naive reference: labels by repeated relaxation to the smallest neighbour label until nothing changes. */
    private static Map<Long, Long> naiveComponents(List<long[]> edges) {
        Map<Long, Long> label = new TreeMap<>();
        for (long[] e : edges) {
            label.put(e[0], e[0]);
            label.put(e[1], e[1]);
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (long[] e : edges) {
                long m = Math.min(label.get(e[0]), label.get(e[1]));
                if (label.get(e[0]) != m || label.get(e[1]) != m) {
                    label.put(e[0], m);
                    label.put(e[1], m);
                    changed = true;
                }
            }
        }
        label.entrySet().removeIf(e -> e.getKey().equals(e.getValue()));
        return label;
    }

    @Test
    void largeStarSmallStarFindsTheComponentsOfRandomGraphsAndLongPaths() {
        SplittableRandom random = new SplittableRandom(7);
        List<long[]> edges = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            edges.add(new long[] {random.nextInt(300), random.nextInt(300)});
        }
        // a path whose smallest node sits in the middle, and a path numbered against the grain
        for (long v = 2000; v < 2024; v++) {
            edges.add(new long[] {v, v + 1});
        }
        edges.add(new long[] {2012, 1500});
        for (long v = 3024; v > 3000; v--) {
            edges.add(new long[] {v, v - 1});
        }
        edges.removeIf(e -> e[0] == e[1]);
        List<Tuple2<Long, Long>> pairs = edges.stream().map(e -> new Tuple2<>(e[0], e[1])).toList();
        Map<Long, Long> got = new TreeMap<>(ConnectedComponents.smallestNode(jsc.parallelizePairs(pairs, 2), 2)
                .collectAsMap());
        Map<Long, Long> want = naiveComponents(edges);
        assertEquals(want, got);
        assertEquals(1500L, got.get(2024L));
        assertEquals(3000L, got.get(3024L));
    }

    @Test
    void theSparkRuleRemovesWhatTheLocalUnionFindRemoves() {
        SplittableRandom random = new SplittableRandom(11);
        List<DocSignature> sigs = new ArrayList<>();
        DedupIndex index = new DedupIndex();
        Map<Long, String> ids = new HashMap<>();
        for (int split = 0; split < 4; split++) {
            for (int i = 0; i < 100; i++) {
                long key = DocSignature.key(split, i);
                // few exact hashes and band keys: many exact duplicates, chains of shared bands across splits
                long hi = random.nextInt(120);
                long[] bands = random.nextInt(10) == 0 ? null : new long[] {random.nextInt(400), random.nextInt(400),
                        random.nextInt(400)};
                DocSignature s = new DocSignature(key, "doc-" + split + "-" + i, hi, hi * 31, bands);
                sigs.add(s);
                index.add(key, s.exactHi(), s.exactLo(), bands);
                ids.put(key, s.id());
            }
        }
        for (boolean exact : new boolean[] {true, false}) {
            for (boolean minhash : new boolean[] {true, false}) {
                Map<Long, String> want = new TreeMap<>();
                for (DedupIndex.Removal r : index.removals(exact, minhash)) {
                    want.put(r.key(), r.reason() + " of " + r.keptKey());
                }
                Map<Long, String> got = new TreeMap<>();
                for (SparkDedup.Removal r : SparkDedup.removals(jsc.parallelize(sigs, 2), exact, minhash, 2)
                        .collect()) {
                    assertEquals(null, got.put(r.key(), r.reason() + " of " + r.keptKey()), "one removal per key");
                }
                assertEquals(want, got, "exact " + exact + ", minhash " + minhash);
                if (exact && minhash) {
                    assertTrue(want.values().stream().anyMatch(v -> v.startsWith("exact_duplicate")));
                    assertTrue(want.values().stream().anyMatch(v -> v.startsWith("minhash_duplicate")));
                }
            }
        }
    }
}
