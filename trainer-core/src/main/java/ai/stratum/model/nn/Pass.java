package ai.stratum.model.nn;

import ai.stratum.model.StepProfile;

/**
 * What one forward (and its backward) shares with every module: the batch shape, each row's position and segment,
 * and dropout. Dropout masks are a pure function of (seed, stream, element), so the backward re-derives them.
 */
public final class Pass {

    private int batch;
    private int seqLen;
    private int[] positions;
    private int[] segmentIds;
    private double dropout;
    private long seed;
    private StepProfile profile;

    /**
     * @param positions  (B * T) each row's position (restarting at 0 in every segment)
     * @param segmentIds (B * T) or null: attention stays inside a segment
     * @param dropout    the drop probability in effect (0 when not training)
     */
    public void set(int batch, int seqLen, int[] positions, int[] segmentIds, double dropout, long seed) {
        this.batch = batch;
        this.seqLen = seqLen;
        this.positions = positions;
        this.segmentIds = segmentIds;
        this.dropout = dropout;
        this.seed = seed;
    }

    public int batch() {
        return batch;
    }

    public int seqLen() {
        return seqLen;
    }

    /** N = B * T. */
    public int rows() {
        return batch * seqLen;
    }

    public int[] positions() {
        return positions;
    }

    public int[] segmentIds() {
        return segmentIds;
    }

    /** The drop probability in effect: 0 when dropout is off. */
    public double dropout() {
        return dropout;
    }

    public boolean dropoutOn() {
        return dropout > 0;
    }

    public long seed() {
        return seed;
    }

    public void profile(StepProfile profile) {
        this.profile = profile;
    }

    /** Starts the profile's clock (no-op without a profile). */
    public void start() {
        if (profile != null) {
            profile.start();
        }
    }

    /** Charges the time since the last mark to {@code kind} (no-op without a profile). */
    public void lap(StepProfile.Kind kind, boolean backward) {
        if (profile != null) {
            profile.lap(kind, backward);
        }
    }
}
