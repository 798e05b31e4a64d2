package ai.stratum.generate;

import ai.stratum.model.Decoder;
import ai.stratum.model.InferenceSession;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Autoregressive decoding with a {@link Decoder}'s KV-cached {@link InferenceSession}: the prompt is fed once, then
 * each sampled token costs one incremental step. When the sequence fills the context window, decoding continues
 * in a fresh session over the last half window (one re-fill per half window of new tokens). Stops at the
 * end-of-text id or after {@code maxNewTokens}.
 */
public final class Generator {

    private Generator() {
    }

    /**
     * @param onToken receives each new token as it is chosen (for streaming output)
     * @return the new tokens, without the prompt and without the end-of-text token
     */
    public static int[] generate(Decoder model, int[] prompt, int maxNewTokens, int endOfText, Sampler sampler,
                                 IntConsumer onToken) {
        return generate(model, prompt, maxNewTokens, new int[]{endOfText}, sampler, onToken);
    }

    /**
     * As {@link #generate(Decoder, int[], int, int, Sampler, IntConsumer)}, stopping at any of {@code stopIds} (a
     * chat model's end-of-turn and eos ids; {@code generation_config.json} may list several).
     */
    public static int[] generate(Decoder model, int[] prompt, int maxNewTokens, int[] stopIds, Sampler sampler,
                                 IntConsumer onToken) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt: must hold at least one token");
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max_new_tokens: must be >= 0, got " + maxNewTokens);
        }
        // the cache holds the whole sequence when it fits the context, so a long context costs no memory unused
        int context = Math.min(model.config().contextLength(), prompt.length + maxNewTokens);
        int[] all = Arrays.copyOf(prompt, prompt.length + maxNewTokens);
        int length = prompt.length;
        int generated = 0;
        InferenceSession session = model.newSession(context);
        try {
            float[] logits = fill(session, all, Math.max(0, length - context), length);
            while (generated < maxNewTokens) {
                int next = sampler.sample(logits);
                if (contains(stopIds, next)) {
                    break;
                }
                all[length++] = next;
                generated++;
                onToken.accept(next);
                if (generated == maxNewTokens) {
                    break;
                }
                if (session.length() == context) {
                    session.close();
                    session = model.newSession(context);
                    logits = fill(session, all, length - Math.max(1, context / 2), length);
                } else {
                    logits = session.append(next);
                }
            }
        } finally {
            session.close();
        }
        return Arrays.copyOfRange(all, prompt.length, length);
    }

    private static boolean contains(int[] ids, int id) {
        for (int x : ids) {
            if (x == id) {
                return true;
            }
        }
        return false;
    }

    /** Feeds tokens {@code [from, to)} and returns the logits for the token after them. */
    private static float[] fill(InferenceSession session, int[] tokens, int from, int to) {
        float[] logits = null;
        for (int i = from; i < to; i++) {
            logits = session.append(tokens[i]);
        }
        return logits;
    }
}
