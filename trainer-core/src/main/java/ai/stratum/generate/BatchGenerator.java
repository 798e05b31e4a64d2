package ai.stratum.generate;

import ai.stratum.model.BatchDecodeSession;
import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Continuous batching over a {@link BatchDecodeSession}: up to {@code batch} requests decode together, one token
 * each per step (one (B, C) matmul per projection); a request that stops (one of its stop ids, or its
 * {@code max_new_tokens}) frees its slot, which the next pending request takes at once. Each request brings its own
 * {@link Sampler} (its own seeded generator), and its prompt is prefilled alone in chunks of {@code prefillRows}
 * rows, so the tokens a request gets do not depend on the batch size or on the other requests, as far as the
 * decode step's matmul rounds each row alike whatever the number of rows (measured with OpenBLAS here: bitwise from
 * 1 to 8 rows, within 1.7e-4 of the logits at 16). A request computes what
 * {@link Generator#generate} computes for it alone, including the refill of the last half window when a sequence
 * outgrows the context.
 */
public final class BatchGenerator {

    private BatchGenerator() {
    }

    /**
     * One prompt to answer.
     *
     * @param prompt       at least one token
     * @param maxNewTokens at most this many new tokens (0: none)
     * @param stopIds      ids that end the answer (not included in it)
     * @param sampler      the request's own sampler and seeded generator
     */
    public record Request(int[] prompt, int maxNewTokens, int[] stopIds, Sampler sampler) {
        public Request {
            if (prompt.length == 0) {
                throw new IllegalArgumentException("prompt: must hold at least one token");
            }
            if (maxNewTokens < 0) {
                throw new IllegalArgumentException("max_new_tokens: must be >= 0, got " + maxNewTokens);
            }
        }
    }

    /**
     * A finished request.
     *
     * @param request its index in the request list
     * @param tokens  the new tokens, without the prompt and without the stop id
     * @param stopped true when a stop id ended it, false when it reached max_new_tokens
     */
    public record Result(int request, int[] tokens, boolean stopped) {
    }

    /** Work done: tokens fed by prefill (prompts and refills) and decode-step tokens, each with its wall time. */
    public record Stats(long prefillTokens, long prefillNanos, long decodeTokens, long decodeNanos) {

        public double prefillTokensPerSecond() {
            return prefillNanos == 0 ? 0 : prefillTokens * 1e9 / prefillNanos;
        }

        public double decodeTokensPerSecond() {
            return decodeNanos == 0 ? 0 : decodeTokens * 1e9 / decodeNanos;
        }
    }

    /** One slot's request in progress. */
    private static final class Live {
        final int index;
        final Request request;
        int[] tokens;       // prompt, then the new tokens
        int length;
        int next = -1;      // the token the next decode step feeds

        Live(int index, Request request) {
            this.index = index;
            this.request = request;
            this.tokens = Arrays.copyOf(request.prompt(), request.prompt().length + request.maxNewTokens());
            this.length = request.prompt().length;
        }

        int generated() {
            return length - request.prompt().length;
        }

        Result result(boolean stopped) {
            return new Result(index, Arrays.copyOfRange(tokens, request.prompt().length, length), stopped);
        }
    }

    /**
     * Answers every request, {@code batch} at a time, calling {@code onResult} as each finishes (in the order they
     * finish; within a step, by slot).
     *
     * @param prefillRows rows per prefill call (a prompt's chunk); at most the rows the model was built for
     */
    public static Stats generate(Decoder model, List<Request> requests, int batch, int prefillRows,
                                 Consumer<Result> onResult) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch: must be at least 1, got " + batch);
        }
        if (prefillRows < 1) {
            throw new IllegalArgumentException("prefill_rows: must be at least 1, got " + prefillRows);
        }
        if (requests.isEmpty()) {
            return new Stats(0, 0, 0, 0);
        }
        int maxTokens = slotTokens(model.config().contextLength(), requests);
        int slots = Math.min(batch, requests.size());
        int rows = Math.min(prefillRows, maxTokens);
        try (BatchDecodeSession session = model.newBatchSession(slots, maxTokens, Math.max(slots, rows))) {
            Run run = new Run(session, rows);
            run.all(requests, onResult);
            return new Stats(run.prefillTokens, run.prefillNanos, run.decodeTokens, run.decodeNanos);
        }
    }

    /**
     * Tokens each slot holds: the longest request when it fits the context (so a short file costs no unused
     * cache); a longer request then has the whole context, as {@link Generator} gives it.
     */
    private static int slotTokens(int context, List<Request> requests) {
        return (int) Math.min(context, requests.stream().mapToLong(r -> (long) r.prompt().length
                + r.maxNewTokens()).max().orElse(1));
    }

    /** Bytes of the key/value cache {@link #generate} allocates for these requests at {@code batch}. */
    public static long cacheBytes(ModelConfig config, List<Request> requests, int batch, int bytesPerValue) {
        if (requests.isEmpty()) {
            return 0;
        }
        return 2L * config.nLayer() * Math.min(batch, requests.size()) * slotTokens(config.contextLength(), requests)
                * config.nKvHead() * config.headDim() * bytesPerValue;
    }

    private enum Outcome { CONTINUE, STOPPED, LENGTH }

    /** One generate call's scheduling state and counters. */
    private static final class Run {
        final BatchDecodeSession session;
        final int maxTokens;
        final int rows;
        final Live[] live;
        long prefillTokens;
        long prefillNanos;
        long decodeTokens;
        long decodeNanos;

        Run(BatchDecodeSession session, int rows) {
            this.session = session;
            this.maxTokens = session.maxTokens();
            this.rows = rows;
            this.live = new Live[session.slots()];
        }

        void all(List<Request> requests, Consumer<Result> onResult) {
            int pending = 0;
            while (true) {
                // free slots take the next pending requests (a request may finish at its first token)
                for (int s = 0; s < live.length; s++) {
                    while (live[s] == null && pending < requests.size()) {
                        Live l = new Live(pending, requests.get(pending));
                        pending++;
                        if (l.request.maxNewTokens() == 0) {
                            onResult.accept(l.result(false));
                            continue;
                        }
                        session.reset(s);
                        Outcome o = advance(s, l, prefill(s, l, Math.max(0, l.length - maxTokens)));
                        if (o == Outcome.CONTINUE) {
                            live[s] = l;
                        } else {
                            onResult.accept(l.result(o == Outcome.STOPPED));
                        }
                    }
                }
                int active = (int) Arrays.stream(live).filter(l -> l != null).count();
                if (active == 0) {
                    return; // every request is answered: the slots only empty when none is pending
                }
                int[] stepSlots = new int[active];
                int[] stepTokens = new int[active];
                for (int s = 0, i = 0; s < live.length; s++) {
                    if (live[s] != null) {
                        stepSlots[i] = s;
                        stepTokens[i++] = live[s].next;
                    }
                }
                long refills = prefillNanos;
                long t0 = System.nanoTime();
                float[][] logits = session.append(stepSlots, stepTokens);
                List<Result> done = new ArrayList<>();
                for (int i = 0; i < active; i++) {
                    int s = stepSlots[i];
                    Outcome o = advance(s, live[s], logits[i]);
                    if (o != Outcome.CONTINUE) {
                        done.add(live[s].result(o == Outcome.STOPPED));
                        live[s] = null;
                    }
                }
                decodeTokens += active;
                decodeNanos += System.nanoTime() - t0 - (prefillNanos - refills);
                done.forEach(onResult);
            }
        }

        /** Feeds tokens [from, length) of {@code l} into slot s, in chunks; returns the logits after the last. */
        float[] prefill(int s, Live l, int from) {
            long t0 = System.nanoTime();
            float[] logits = null;
            for (int start = from; start < l.length; start += rows) {
                int n = Math.min(rows, l.length - start);
                int[] slots = new int[n];
                Arrays.fill(slots, s);
                logits = session.append(slots, Arrays.copyOfRange(l.tokens, start, start + n))[n - 1];
            }
            prefillTokens += l.length - from;
            prefillNanos += System.nanoTime() - t0;
            return logits;
        }

        /**
         * Samples the token after {@code logits} for the request in slot s, as {@link Generator} does: a stop id
         * ends it, else the token is kept and ends it at max_new_tokens, else the next step feeds it (after a
         * refill of the last half window when the slot is full).
         */
        Outcome advance(int s, Live l, float[] logits) {
            while (true) {
                int next = l.request.sampler().sample(logits);
                if (contains(l.request.stopIds(), next)) {
                    return Outcome.STOPPED;
                }
                l.tokens[l.length++] = next;
                if (l.generated() == l.request.maxNewTokens()) {
                    return Outcome.LENGTH;
                }
                if (session.length(s) < maxTokens) {
                    l.next = next;
                    return Outcome.CONTINUE;
                }
                session.reset(s);
                logits = prefill(s, l, l.length - Math.max(1, maxTokens / 2));
            }
        }
    }

    private static boolean contains(int[] ids, int id) {
        for (int x : ids) {
            if (x == id) {
                return true;
            }
        }
        return false;
    }
}
