package ai.stratum.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/** Hugging Face's own Rust {@code tokenizers} through DJL (test scope only): the reference for ids. */
final class HfReference implements AutoCloseable {
    private final HuggingFaceTokenizer hf;

    HfReference(Path tokenizerJson) {
        try {
            hf = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of("addSpecialTokens", "false", "truncation", "false",
                    "padding", "false", "maxLength", "1000000000"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ids as Hugging Face's {@code encode(text, add_special_tokens)}: every added token is matched. */
    int[] encode(String text, boolean addSpecialTokens) {
        long[] ids = hf.encode(text, addSpecialTokens, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    String decode(int[] ids, boolean skipSpecialTokens) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return hf.decode(l, skipSpecialTokens);
    }

    @Override
    public void close() {
        hf.close();
    }
}
