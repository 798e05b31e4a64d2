package ai.stratum.train.sft;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * How a conversation becomes text: each message is {@code <role prefix> content <turn end>}. The prefixes and
 * the turn end are special tokens (added to the tokenizer), so user text that happens to spell them stays
 * plain text and cannot forge a turn.
 *
 * <p>With the default template {@code [user: "Hi", assistant: "Hello"]} renders as
 * {@code <|user|>Hi<|end|><|assistant|>Hello<|end|>}; the assistant's content and its {@code <|end|>} are
 * trained, so the model learns to stop.
 *
 * @param systemPrefix    special token that opens a system message
 * @param userPrefix      special token that opens a user message
 * @param assistantPrefix special token that opens an assistant message
 * @param turnEnd         special token that closes every message
 */
public record ChatTemplate(String systemPrefix, String userPrefix, String assistantPrefix, String turnEnd) {

    public static final ChatTemplate DEFAULT = new ChatTemplate("<|system|>", "<|user|>", "<|assistant|>", "<|end|>");

    public ChatTemplate {
        check("system_prefix", systemPrefix);
        check("user_prefix", userPrefix);
        check("assistant_prefix", assistantPrefix);
        check("turn_end", turnEnd);
        if (new LinkedHashSet<>(List.of(systemPrefix, userPrefix, assistantPrefix, turnEnd)).size() != 4) {
            throw new IllegalArgumentException("turn_end: the four template tokens must all differ");
        }
    }

    private static void check(String key, String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException(key + ": must be a non-empty special token such as <|user|>");
        }
    }

    /** The special tokens this template needs in the tokenizer, in a fixed order. */
    public List<String> specialTokens() {
        return new ArrayList<>(List.of(systemPrefix, userPrefix, assistantPrefix, turnEnd));
    }

    /** The special token that opens a message of {@code role}. */
    public String prefix(Message.Role role) {
        return switch (role) {
            case SYSTEM -> systemPrefix;
            case USER -> userPrefix;
            case ASSISTANT -> assistantPrefix;
        };
    }
}
