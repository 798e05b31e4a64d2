package ai.stratum.cli.tokenizer;

/** What {@code --errors} does with invalid UTF-8 in text input. */
enum Utf8Errors {
    /** Refuse the input, naming it and the byte offset (exit 2). */
    strict,
    /** Read each bad byte sequence as U+FFFD. */
    replace
}
