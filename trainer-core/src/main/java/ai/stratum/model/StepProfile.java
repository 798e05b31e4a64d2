package ai.stratum.model;

import java.util.EnumMap;
import java.util.Map;

/**
 * Wall time of a model's forward and backward by kind of layer, accumulated over steps. Attach one with
 * {@link Decoder#profile(StepProfile)} for benchmarks; without one the model reads no clock.
 */
public final class StepProfile {

    /** What a stretch of the step computes. */
    public enum Kind {
        EMBEDDING("embedding"),
        NORM("layer norm / rms norm"),
        ATTENTION_LINEAR("attention qkv + out projections"),
        ATTENTION_CORE("attention scores, softmax, values, rope, q/k norm"),
        MLP_LINEAR("mlp projections"),
        ACTIVATION("gelu / swiglu"),
        RESIDUAL("residual adds + dropout"),
        LM_HEAD("lm head + cross-entropy");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final long[] forward = new long[Kind.values().length];
    private final long[] backward = new long[Kind.values().length];
    private long last;

    /** Starts the clock for the next interval. */
    public void start() {
        last = System.nanoTime();
    }

    /** Charges the time since the last mark to {@code kind}. */
    public void lap(Kind kind, boolean isBackward) {
        long now = System.nanoTime();
        (isBackward ? backward : forward)[kind.ordinal()] += now - last;
        last = now;
    }

    public Map<Kind, Long> forwardNanos() {
        return toMap(forward);
    }

    public Map<Kind, Long> backwardNanos() {
        return toMap(backward);
    }

    public void reset() {
        java.util.Arrays.fill(forward, 0);
        java.util.Arrays.fill(backward, 0);
    }

    private static Map<Kind, Long> toMap(long[] nanos) {
        Map<Kind, Long> m = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) {
            m.put(k, nanos[k.ordinal()]);
        }
        return m;
    }
}
