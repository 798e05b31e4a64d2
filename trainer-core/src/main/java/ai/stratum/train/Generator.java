package ai.stratum.train;

import ai.stratum.model.Gpt;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Autoregressive decoding with a {@link Gpt}: each step runs the model over the last {@code context_length}
 * tokens and samples the next one from the last position's logits, stopping at the end-of-text id or after
 * {@code maxNewTokens}.
 */
public final class Generator {

    private Generator() {
    }

    /**
     * @param onToken receives each new token as it is chosen (for streaming output)
     * @return the new tokens, without the prompt and without the end-of-text token
     */
    public static int[] generate(Gpt gpt, int[] prompt, int maxNewTokens, int endOfText, Sampler sampler,
                                 IntConsumer onToken) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt: must hold at least one token");
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max_new_tokens: must be >= 0, got " + maxNewTokens);
        }
        int context = gpt.config().contextLength();
        int[] all = Arrays.copyOf(prompt, prompt.length + maxNewTokens);
        int length = prompt.length;
        int generated = 0;
        while (generated < maxNewTokens) {
            int start = Math.max(0, length - context);
            int t = length - start;
            gpt.forward(Arrays.copyOfRange(all, start, length), null, 1, t, false, 0L);
            INDArray last = gpt.logits().get(NDArrayIndex.point(0), NDArrayIndex.point(t - 1), NDArrayIndex.all());
            int next = sampler.sample(last.toFloatVector());
            if (next == endOfText) {
                break;
            }
            all[length++] = next;
            generated++;
            onToken.accept(next);
        }
        return Arrays.copyOfRange(all, prompt.length, length);
    }
}
