package ai.stratum.data.spark;

import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.List;

/**
 * Connected components of an undirected graph given as edges between {@code long} nodes, by alternating the
 * large-star and small-star operations of Kiveris, Lattanzi, Mirrokni, Rastogi and Vassilvitskii, "Connected
 * Components in MapReduce and Beyond" (SoCC 2014). Each round is two shuffles (group by node); the number of
 * rounds grows as log^2 of the node count at worst and is a handful on dedup graphs, whose components are small.
 * At convergence every component is a star around its smallest node, so each node's label is that node: the
 * same representative the local executor's union-find keeps.
 */
public final class ConnectedComponents {
    private ConnectedComponents() {
    }

    /**
     * @param edges pairs {@code (u, v)}, {@code u != v}, in any direction, duplicates allowed
     * @return {@code (node, smallest node of its component)} for every node of an edge except each component's
     *         smallest node itself
     */
    public static JavaPairRDD<Long, Long> smallestNode(JavaPairRDD<Long, Long> edges, int partitions) {
        JavaPairRDD<Long, Long> e = edges.filter(t -> !t._1().equals(t._2()))
                .mapToPair(ConnectedComponents::downward).distinct(partitions);
        e.persist(StorageLevel.MEMORY_AND_DISK());
        while (true) {
            JavaPairRDD<Long, Long> next = smallStar(largeStar(e, partitions), partitions);
            next.persist(StorageLevel.MEMORY_AND_DISK());
            boolean same = next.subtract(e, partitions).isEmpty() && e.subtract(next, partitions).isEmpty();
            e.unpersist(false);
            e = next;
            if (same) {
                return e.reduceByKey(Math::min, partitions);
            }
        }
    }

    /** An edge as {@code (larger, smaller)}. */
    private static Tuple2<Long, Long> downward(Tuple2<Long, Long> t) {
        return t._1() > t._2() ? t : new Tuple2<>(t._2(), t._1());
    }

    /**
     * Large-star: each node u links every larger neighbour to the smallest of u and its neighbours. Output edges
     * are {@code (larger, smaller)}.
     */
    static JavaPairRDD<Long, Long> largeStar(JavaPairRDD<Long, Long> edges, int partitions) {
        return edges.flatMapToPair(t -> List.of(t, new Tuple2<>(t._2(), t._1())).iterator())
                .groupByKey(partitions)
                .flatMapToPair(g -> {
                    long u = g._1();
                    long m = u;
                    for (long v : g._2()) {
                        m = Math.min(m, v);
                    }
                    List<Tuple2<Long, Long>> out = new ArrayList<>();
                    for (long v : g._2()) {
                        if (v > u) {
                            out.add(new Tuple2<>(v, m));
                        }
                    }
                    return out.iterator();
                })
                .distinct(partitions);
    }

    /**
     * Small-star: each node u links itself and every smaller neighbour to the smallest of them. Input and output
     * edges are {@code (larger, smaller)}.
     */
    static JavaPairRDD<Long, Long> smallStar(JavaPairRDD<Long, Long> edges, int partitions) {
        return edges.groupByKey(partitions)
                .flatMapToPair(g -> {
                    long u = g._1();
                    long m = u;
                    for (long v : g._2()) {
                        m = Math.min(m, v);
                    }
                    List<Tuple2<Long, Long>> out = new ArrayList<>();
                    if (u != m) {
                        out.add(new Tuple2<>(u, m));
                    }
                    for (long v : g._2()) {
                        if (v != m) {
                            out.add(new Tuple2<>(v, m));
                        }
                    }
                    return out.iterator();
                })
                .distinct(partitions);
    }
}
