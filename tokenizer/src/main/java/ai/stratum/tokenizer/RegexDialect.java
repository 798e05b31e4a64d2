package ai.stratum.tokenizer;

import java.util.regex.Pattern;

/**
 * Compiles a tokenizer.json regex (written for Oniguruma, which Hugging Face's Rust {@code tokenizers} uses) as a
 * Java regex that matches the same text.
 *
 * <p>Differences found, and what is done about them:
 * <ul>
 *   <li>{@code \s}, {@code \w}, {@code \d} are Unicode classes in Oniguruma; Java's are ASCII unless compiled
 *       with {@link Pattern#UNICODE_CHARACTER_CLASS}, which is always used here.</li>
 *   <li>{@code (?i)} folds case over all of Unicode in Oniguruma; Java needs {@link Pattern#UNICODE_CASE}
 *       (implied by UNICODE_CHARACTER_CLASS), e.g. for {@code (?i:'s)} against U+017F LATIN SMALL LETTER LONG S.</li>
 * </ul>
 */
final class RegexDialect {
    private RegexDialect() {
    }

    static Pattern compile(String regex) {
        return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
    }
}
