package ai.stratum.data.shard;

import java.nio.charset.StandardCharsets;

/**
 * Byte-level "tokenizer": each UTF-8 byte is a token (0-255) and 256 is end-of-text; vocabulary 257. Useful for
 * byte-level models and to produce shards without a trained tokenizer.
 */
public final class ByteLevelEncoder implements TextEncoder {
    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xFF;
        }
        return ids;
    }

    @Override
    public int eotId() {
        return 256;
    }

    @Override
    public int vocabSize() {
        return 257;
    }

    @Override
    public String fingerprint() {
        return "bytes-257";
    }
}
