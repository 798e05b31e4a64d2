package ai.stratum.tokenizer;

/** Character properties as Rust's {@code char} methods define them (used by the pre-tokenizers and decoders). */
final class Unicode {
    private Unicode() {
    }

    /** The White_Space property (Rust's {@code char::is_whitespace}, the regex class {@code \s}). */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x9 && cp <= 0xD) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    /** Rust's {@code char::is_numeric}: general categories Nd, Nl, No. */
    static boolean isNumeric(int cp) {
        int updated = UnicodeUpdate.classOf(cp);
        if (updated >= 0) {
            return updated == 2;
        }
        int t = Character.getType(cp);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    /** Rust's {@code char::is_alphanumeric}: Alphabetic or Numeric. */
    static boolean isAlphanumeric(int cp) {
        return Character.isAlphabetic(cp) || isNumeric(cp);
    }

    /** Hugging Face's {@code is_punc}: ASCII punctuation or a Unicode punctuation category (Pc Pd Pe Pf Pi Po Ps). */
    static boolean isPunctuation(int cp) {
        if (cp < 0x80) {
            return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60) || (cp >= 0x7B && cp <= 0x7E);
        }
        int t = Character.getType(cp);
        return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION || t == Character.END_PUNCTUATION
                || t == Character.FINAL_QUOTE_PUNCTUATION || t == Character.INITIAL_QUOTE_PUNCTUATION
                || t == Character.OTHER_PUNCTUATION || t == Character.START_PUNCTUATION;
    }
}
