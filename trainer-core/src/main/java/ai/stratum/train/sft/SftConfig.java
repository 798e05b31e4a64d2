package ai.stratum.train.sft;

/**
 * How SFT examples become training rows.
 *
 * @param trainOnInputs also train on the prompt (system and user turns and every turn's prefix); false masks the
 *                      prompt so the loss is on the assistant's answers only
 * @param overflow      what to do with an example longer than {@code train.seq_len + 1} tokens
 * @param template      the chat template whose special tokens mark the turns
 */
public record SftConfig(boolean trainOnInputs, SequencePacker.Overflow overflow, ChatTemplate template) {
    public SftConfig {
        if (overflow == null) {
            throw new IllegalArgumentException("overflow: must be truncate or drop");
        }
        if (template == null) {
            throw new IllegalArgumentException("template: the section is missing (system_prefix, user_prefix, "
                    + "assistant_prefix, turn_end)");
        }
    }
}
