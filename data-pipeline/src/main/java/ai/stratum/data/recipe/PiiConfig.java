package ai.stratum.data.recipe;

/** PII redaction: which kinds to replace and with what. */
public record PiiConfig(boolean enabled, boolean emails, boolean ipv4, boolean ipv6, String emailReplacement,
                        String ipv4Replacement, String ipv6Replacement) {
    public PiiConfig {
        if (emailReplacement == null || ipv4Replacement == null || ipv6Replacement == null) {
            throw new IllegalArgumentException("email_replacement: the three replacements must be strings");
        }
    }

    public static PiiConfig defaults() {
        return new PiiConfig(true, true, true, true, "email@example.com", "0.0.0.0", "::");
    }
}
