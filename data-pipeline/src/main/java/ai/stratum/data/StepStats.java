package ai.stratum.data;

import java.util.Map;
import java.util.TreeMap;

/**
 * Counters of one step (or reader) over one input shard; mergeable across shards and threads.
 * Not thread-safe: each worker owns its instance and the executor merges them.
 */
public final class StepStats {
    private final String name;
    private long documentsIn;
    private long kept;
    private long bytesIn;
    private long bytesOut;
    private long nanos;
    private final TreeMap<String, Long> dropped = new TreeMap<>();
    private final TreeMap<String, Long> counters = new TreeMap<>();

    public StepStats(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public void in(long bytes) {
        documentsIn++;
        bytesIn += bytes;
    }

    public void kept(long bytes) {
        kept++;
        bytesOut += bytes;
    }

    /** Counts {@code n} kept documents whose bytes are not tracked (stages that see signatures, not text). */
    public void keptCount(long n) {
        kept += n;
    }

    public void dropped(String reason) {
        dropped.merge(reason, 1L, Long::sum);
    }

    public void count(String counter, long delta) {
        counters.merge(counter, delta, Long::sum);
    }

    public void addNanos(long delta) {
        nanos += delta;
    }

    public long documentsIn() {
        return documentsIn;
    }

    public long kept() {
        return kept;
    }

    public long droppedTotal() {
        return dropped.values().stream().mapToLong(Long::longValue).sum();
    }

    public long bytesIn() {
        return bytesIn;
    }

    public long bytesOut() {
        return bytesOut;
    }

    public long nanos() {
        return nanos;
    }

    public Map<String, Long> dropped() {
        return java.util.Collections.unmodifiableMap(dropped);
    }

    public Map<String, Long> counters() {
        return java.util.Collections.unmodifiableMap(counters);
    }

    public void merge(StepStats other) {
        if (!other.name.equals(name)) {
            throw new IllegalArgumentException("cannot merge stats of '" + other.name + "' into '" + name + "'");
        }
        documentsIn += other.documentsIn;
        kept += other.kept;
        bytesIn += other.bytesIn;
        bytesOut += other.bytesOut;
        nanos += other.nanos;
        other.dropped.forEach((k, v) -> dropped.merge(k, v, Long::sum));
        other.counters.forEach((k, v) -> counters.merge(k, v, Long::sum));
    }

    /**
     * A plain map for JSON: {@code name, documents_in, kept, dropped{}, counters{}, bytes_in, bytes_out, seconds};
     * seconds are CPU seconds of the threads that ran the step ({@link CpuClock}).
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("name", name);
        m.put("documents_in", documentsIn);
        m.put("kept", kept);
        m.put("dropped", new TreeMap<>(dropped));
        m.put("counters", new TreeMap<>(counters));
        m.put("bytes_in", bytesIn);
        m.put("bytes_out", bytesOut);
        m.put("seconds", nanos / 1e9);
        return m;
    }

    @SuppressWarnings("unchecked")
    public static StepStats fromMap(Map<String, Object> m) {
        StepStats s = new StepStats((String) m.get("name"));
        s.documentsIn = ((Number) m.get("documents_in")).longValue();
        s.kept = ((Number) m.get("kept")).longValue();
        s.bytesIn = ((Number) m.get("bytes_in")).longValue();
        s.bytesOut = ((Number) m.get("bytes_out")).longValue();
        s.nanos = Math.round(((Number) m.get("seconds")).doubleValue() * 1e9);
        ((Map<String, Object>) m.get("dropped")).forEach((k, v) -> s.dropped.put(k, ((Number) v).longValue()));
        ((Map<String, Object>) m.get("counters")).forEach((k, v) -> s.counters.put(k, ((Number) v).longValue()));
        return s;
    }
}
