package ai.stratum.train.sft;

import java.util.Locale;

/** One turn of a conversation. */
public record Message(Role role, String content) {

    /** Who speaks. Only the assistant's turns are trained on by default. */
    public enum Role {
        SYSTEM, USER, ASSISTANT;

        /** Parses {@code system}, {@code user} or {@code assistant}; anything else is an error naming the value. */
        public static Role parse(String s) {
            for (Role r : values()) {
                if (r.name().toLowerCase(Locale.ROOT).equals(s)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("role: must be one of system, user, assistant; got '" + s + "'");
        }
    }

    public Message {
        if (role == null) {
            throw new IllegalArgumentException("role: must be set");
        }
        if (content == null) {
            throw new IllegalArgumentException("content: must be a string");
        }
    }
}
