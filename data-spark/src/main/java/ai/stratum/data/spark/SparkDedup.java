package ai.stratum.data.spark;

import ai.stratum.data.dedup.DocSignature;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.Optional;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The dedup rule of {@link ai.stratum.data.run.DedupStage} on Spark, from the signatures
 * ({@code mapPartitions} over the splits computed them) to one removal per duplicate:
 *
 * <ol>
 *   <li>exact: key by exact hash, {@code reduceByKey(min)}: each hash's representative; the others are exact
 *       duplicates (shuffle 1);</li>
 *   <li>buckets: each representative with bands emits {@code ((band, band key), doc key)};
 *       {@code reduceByKey(min)} finds each bucket's smallest member and a join emits the candidate edges
 *       {@code (member, smallest)} (shuffles 2-3, the big one: 14 records per document by default);</li>
 *   <li>clusters: {@link ConnectedComponents} labels each node with its component's smallest key (two shuffles
 *       per round, over the edges only);</li>
 *   <li>removals: every document whose representative's label is not itself.</li>
 * </ol>
 *
 * <p>Neither MLlib's {@code MinHashLSH} (which returns pairs, not clusters) nor a driver-side structure is used:
 * the driver sees only counts.
 */
public final class SparkDedup {
    private SparkDedup() {
    }

    /** A document removed as a duplicate of the document with key {@code keptKey}. */
    public record Removal(long key, String reason, long keptKey) implements Serializable {
    }

    record ExactKey(long hi, long lo) implements Serializable {
    }

    record BandKey(int band, long key) implements Serializable {
    }

    public static JavaRDD<Removal> removals(JavaRDD<DocSignature> sigs, boolean exact, boolean minhash,
                                            int partitions) {
        // key -> its exact representative (itself when exact dedup is off or it is the first of its hash)
        JavaPairRDD<Long, Long> repOf;
        if (exact) {
            JavaPairRDD<ExactKey, Long> byHash = sigs.mapToPair(s -> new Tuple2<>(new ExactKey(s.exactHi(),
                    s.exactLo()), s.key()));
            repOf = byHash.join(byHash.reduceByKey(Math::min, partitions), partitions)
                    .mapToPair(t -> t._2());
        } else {
            repOf = sigs.mapToPair(s -> new Tuple2<>(s.key(), s.key()));
        }
        repOf.persist(StorageLevel.MEMORY_AND_DISK());
        JavaPairRDD<Long, Long> label;
        if (minhash) {
            JavaPairRDD<Long, DocSignature> byKey = sigs.filter(s -> s.bands() != null)
                    .mapToPair(s -> new Tuple2<>(s.key(), s));
            JavaRDD<DocSignature> reps = byKey.join(repOf.filter(t -> t._1().equals(t._2())), partitions)
                    .map(t -> t._2()._1());
            JavaPairRDD<BandKey, Long> members = reps.flatMapToPair(s -> {
                List<Tuple2<BandKey, Long>> out = new ArrayList<>(s.bands().length);
                for (int b = 0; b < s.bands().length; b++) {
                    out.add(new Tuple2<>(new BandKey(b, s.bands()[b]), s.key()));
                }
                return out.iterator();
            });
            JavaPairRDD<Long, Long> edges = members.join(members.reduceByKey(Math::min, partitions), partitions)
                    .values()
                    .filter(t -> !t._1().equals(t._2()))
                    .mapToPair(t -> t);
            label = ConnectedComponents.smallestNode(edges, partitions);
        } else {
            label = repOf.filter(t -> false);
        }
        // (rep, key) joined with rep's label: the kept document is the label, or the representative itself
        return repOf.mapToPair(t -> new Tuple2<>(t._2(), t._1()))
                .leftOuterJoin(label, partitions)
                .flatMap(t -> {
                    long rep = t._1();
                    long key = t._2()._1();
                    Optional<Long> l = t._2()._2();
                    long kept = l.isPresent() ? l.get() : rep;
                    if (kept == key) {
                        return List.<Removal>of().iterator();
                    }
                    return List.of(new Removal(key, key != rep ? "exact_duplicate" : "minhash_duplicate", kept))
                            .iterator();
                });
    }
}
