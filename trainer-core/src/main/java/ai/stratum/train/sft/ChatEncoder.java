package ai.stratum.train.sft;

import java.util.List;

/**
 * How conversations become token ids, for training (ids and which are targets) and for generation (the prompt
 * and the ids that end the answer), with one template so that training ids equal inference ids. Two kinds:
 * {@link SftEncoder}, Stratum's special-token template, and {@link BaseTemplateEncoder}, a base model's own
 * Jinja {@code chat_template}. {@link #forBase} picks.
 */
public interface ChatEncoder {

    /** The example's ids and, per id, whether it is a training target. */
    SftEncoder.Encoded encode(SftExample example);

    /** The ids a generation request feeds the model: the conversation so far and the assistant's opening. */
    int[] encodePrompt(List<Message> messages);

    /** Ids that end an assistant answer (end of turn, eos). */
    int[] stopIds();

    /** A short description for the run's log, e.g. "the base's chat_template (tokenizer_config.json)". */
    String describe();

    /**
     * The encoder a fine-tune or chat uses for the model in {@code modelDir}: with {@code chatTemplate} {@code auto},
     * the model's own {@code chat_template} from its {@code tokenizer_config.json} when it has one (so fine-tuning
     * trains exactly the ids {@code apply_chat_template} gives at inference), else Stratum's special-token
     * {@code template}; with {@code stratum}, always the special-token template.
     *
     * @param tokenizer the tokenizer to use with the special-token template (its special tokens added)
     */
    static ChatEncoder forBase(java.nio.file.Path modelDir, String chatTemplate, ai.stratum.tokenizer.Tokenizer tokenizer,
                               ChatTemplate template, boolean trainOnInputs) {
        if (usesBaseTemplate(modelDir, chatTemplate)) {
            return BaseTemplateEncoder.load(modelDir, trainOnInputs);
        }
        return new SftEncoder(tokenizer, template, trainOnInputs);
    }

    /** Whether {@link #forBase} will use the model's own template (then no special tokens are added to it). */
    static boolean usesBaseTemplate(java.nio.file.Path modelDir, String chatTemplate) {
        return switch (chatTemplate) {
            case "stratum" -> false;
            case "auto" -> BaseTemplateEncoder.hasTemplate(modelDir);
            default -> throw new IllegalArgumentException("sft.chat_template: must be auto (the base's own "
                    + "chat_template when it has one) or stratum (the special-token template), got '" + chatTemplate
                    + "'");
        };
    }
}
