package ai.stratum.train.sft;

import ai.stratum.tokenizer.chat.JinjaChatTemplate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A base model's own Jinja {@code chat_template} (Llama 3, Qwen, ... from {@code tokenizer_config.json}) as the SFT
 * encoder: the conversation is rendered as {@code apply_chat_template} renders it and tokenized with the special
 * tokens recognised; the assistant turns, each with its end-of-turn token ({@code <|eot_id|>}, {@code <|im_end|>}),
 * are the targets. The generation prompt is the same rendering with {@code add_generation_prompt}, so the ids a
 * model is trained on are the ids it sees at inference.
 */
public final class BaseTemplateEncoder implements ChatEncoder {

    private final JinjaChatTemplate template;
    private final boolean trainOnInputs;
    private final String source;

    BaseTemplateEncoder(JinjaChatTemplate template, boolean trainOnInputs, String source) {
        this.template = template;
        this.trainOnInputs = trainOnInputs;
        this.source = source;
    }

    /** Loads the template of a model directory ({@code tokenizer_config.json}, {@code generation_config.json}). */
    public static BaseTemplateEncoder load(Path modelDir, boolean trainOnInputs) {
        return new BaseTemplateEncoder(JinjaChatTemplate.load(modelDir), trainOnInputs,
                modelDir.resolve("tokenizer_config.json").toString());
    }

    /** Whether {@code modelDir} has a {@code tokenizer_config.json} with a {@code chat_template}. */
    public static boolean hasTemplate(Path modelDir) {
        Path config = modelDir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(config)) {
            return false;
        }
        try {
            JsonNode n = new ObjectMapper().readTree(config.toFile());
            return n != null && n.hasNonNull("chat_template");
        } catch (IOException e) {
            throw new IllegalArgumentException(config + ": cannot be read as JSON (" + e.getMessage() + "); fix or "
                    + "remove it", e);
        }
    }

    private static List<JinjaChatTemplate.Message> messages(List<Message> messages) {
        List<JinjaChatTemplate.Message> out = new ArrayList<>(messages.size());
        for (Message m : messages) {
            out.add(new JinjaChatTemplate.Message(m.role().name().toLowerCase(java.util.Locale.ROOT), m.content()));
        }
        return out;
    }

    @Override
    public SftEncoder.Encoded encode(SftExample example) {
        JinjaChatTemplate.Encoded e = template.encodeForTraining(messages(example.messages()));
        boolean[] trained = trainOnInputs ? new boolean[e.ids().length] : e.assistantMask().clone();
        if (trainOnInputs) {
            Arrays.fill(trained, true);
        }
        return new SftEncoder.Encoded(e.ids(), trained);
    }

    @Override
    public int[] encodePrompt(List<Message> messages) {
        return template.encodePrompt(messages(messages));
    }

    @Override
    public int[] stopIds() {
        return template.stopIds();
    }

    @Override
    public String describe() {
        return "the base's chat_template (" + source + ")";
    }
}
