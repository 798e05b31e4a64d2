package ai.stratum.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/** GPT-2's vocabulary, built at test time from the rank file inside JTokkit's jar, and JTokkit's own encoder. */
final class R50k {
    static final String RESOURCE = "/com/knuddels/jtokkit/r50k_base.tiktoken";
    static final int EOT = 50256;
    private static Tokenizer tokenizer;
    private static Encoding reference;

    private R50k() {
    }

    /** Our tokenizer built from the ranks (merges recovered from ranks). */
    static synchronized Tokenizer tokenizer() {
        if (tokenizer == null) {
            try (InputStream in = R50k.class.getResourceAsStream(RESOURCE)) {
                tokenizer = Tokenizer.fromTiktoken(in, RESOURCE, Map.of(Tokenizer.END_OF_TEXT, EOT));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return tokenizer;
    }

    static synchronized Encoding reference() {
        if (reference == null) {
            reference = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        }
        return reference;
    }
}
