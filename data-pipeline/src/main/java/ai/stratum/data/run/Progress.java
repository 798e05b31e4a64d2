package ai.stratum.data.run;

import java.util.concurrent.atomic.AtomicLong;

/** Live counters of a running pipeline, for a progress bar polled from another thread. */
public final class Progress {
    private final AtomicLong documents = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong shardsDone = new AtomicLong();
    private volatile String phase = "starting";
    private volatile long shards;

    public void read(long bytesRead) {
        documents.incrementAndGet();
        bytes.addAndGet(bytesRead);
    }

    public void phase(String name, long shardCount) {
        phase = name;
        shards = shardCount;
        shardsDone.set(0);
    }

    public void shardDone() {
        shardsDone.incrementAndGet();
    }

    /** Input records read so far (documents and rejected records). */
    public long documents() {
        return documents.get();
    }

    /** Raw input bytes read so far. */
    public long bytes() {
        return bytes.get();
    }

    public String phase() {
        return phase;
    }

    public long shards() {
        return shards;
    }

    public long shardsDone() {
        return shardsDone.get();
    }
}
