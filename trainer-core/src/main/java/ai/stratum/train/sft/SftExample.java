package ai.stratum.train.sft;

import java.util.List;

/**
 * One supervised fine-tuning example: a conversation that ends with the assistant's answer.
 * {@code {"prompt": p, "response": r}} is the conversation {@code [user: p, assistant: r]}.
 */
public record SftExample(List<Message> messages) {

    public SftExample {
        messages = List.copyOf(messages);
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("messages: must not be empty");
        }
        if (messages.stream().noneMatch(m -> m.role() == Message.Role.ASSISTANT)) {
            throw new IllegalArgumentException("messages: needs at least one assistant message to learn from");
        }
    }

    public static SftExample of(String prompt, String response) {
        return new SftExample(List.of(new Message(Message.Role.USER, prompt),
                new Message(Message.Role.ASSISTANT, response)));
    }
}
