package ai.stratum.train.sft;

/**
 * How SFT examples become training rows.
 *
 * @param trainOnInputs also train on the prompt (system and user turns and every turn's prefix); false masks the
 *                      prompt so the loss is on the assistant's answers only
 * @param overflow      what to do with an example longer than {@code train.seq_len + 1} tokens
 * @param template      the special-token chat template whose tokens mark the turns (when it is used)
 * @param chatTemplate  {@code auto}: the base's own {@code chat_template} from its {@code tokenizer_config.json}
 *                      when it has one, else {@code template}; {@code stratum}: always {@code template}
 */
public record SftConfig(boolean trainOnInputs, SequencePacker.Overflow overflow, ChatTemplate template,
                        String chatTemplate) {
    public SftConfig {
        if (!"auto".equals(chatTemplate) && !"stratum".equals(chatTemplate)) {
            throw new IllegalArgumentException("chat_template: must be auto (the base's own chat_template when it "
                    + "has one) or stratum (the special-token template), got '" + chatTemplate + "'");
        }
        if (overflow == null) {
            throw new IllegalArgumentException("overflow: must be truncate or drop");
        }
        if (template == null) {
            throw new IllegalArgumentException("template: the section is missing (system_prefix, user_prefix, "
                    + "assistant_prefix, turn_end)");
        }
    }

    /** The special-token template only (no base template lookup): evaluation and tests. */
    public SftConfig(boolean trainOnInputs, SequencePacker.Overflow overflow, ChatTemplate template) {
        this(trainOnInputs, overflow, template, "stratum");
    }
}
