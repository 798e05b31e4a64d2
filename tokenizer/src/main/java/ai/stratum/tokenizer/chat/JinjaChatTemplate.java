package ai.stratum.tokenizer.chat;

import ai.stratum.tokenizer.Tokenizer;
import ai.stratum.tokenizer.TokenizerFileException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A model's own chat template ({@code chat_template} in {@code tokenizer_config.json}) rendered with HubSpot's
 * jinjava under the globals Hugging Face's {@code apply_chat_template} passes ({@code messages},
 * {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}, {@code unk_token}, {@code pad_token},
 * {@code tools=None}, {@code documents=None}, {@code raise_exception}), with {@code trim_blocks} and
 * {@code lstrip_blocks} as transformers sets them. Message strings are {@link PyString}s so templates can call
 * Python's string methods ({@code startswith}, {@code split}, {@code strip}...).
 *
 * <p>For SFT, {@link #encodeForTraining} gives the ids of the rendered conversation and which tokens belong to
 * assistant turns, including each turn's end-of-turn token, derived from the rendering itself (see there), so
 * training ids equal the ids {@link #encodePrompt} gives at inference. {@link #stopIds} are the ids generation
 * stops at.
 */
public final class JinjaChatTemplate {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One chat message; role is "system", "user", "assistant" or "tool" (whatever the template knows). */
    public record Message(String role, String content) {
        public Message {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(content, "content");
        }
    }

    /**
     * A rendered, tokenized conversation: {@code assistantMask[k]} says whether {@code ids[k]} belongs to an
     * assistant turn (its content and its end-of-turn token), i.e. is trained on.
     */
    public record Encoded(String text, int[] ids, boolean[] assistantMask) {
        public Encoded {
            if (ids.length != assistantMask.length) {
                throw new IllegalArgumentException("ids and mask differ in length: " + ids.length + " vs " + assistantMask.length);
            }
        }
    }

    private final String template;
    private final Tokenizer tokenizer;
    private final Map<String, Object> specialTokenGlobals;
    private final int[] stopIds;
    private final Jinjava jinjava;

    /**
     * @param template the Jinja source
     * @param tokenizer the model's tokenizer (ids, special tokens)
     * @param specialTokenGlobals bos_token, eos_token, ... as strings, as tokenizer_config.json gives them
     * @param generationEosIds eos ids from generation_config.json (may be empty)
     */
    public JinjaChatTemplate(String template, Tokenizer tokenizer, Map<String, String> specialTokenGlobals, List<Integer> generationEosIds) {
        this.template = JinjaCompat.rewrite(Objects.requireNonNull(template, "template"));
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.specialTokenGlobals = new LinkedHashMap<>(specialTokenGlobals);
        jinjava.javax.el.CompositeELResolver resolver = new jinjava.javax.el.CompositeELResolver();
        resolver.add(new PyStringResolver());
        resolver.add(com.hubspot.jinjava.el.JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true)
                .withElResolver(resolver).build();
        this.jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                JinjaChatTemplate.class, "raiseException", String.class));
        Set<Integer> stops = new LinkedHashSet<>();
        String eos = specialTokenGlobals.get("eos_token");
        if (eos != null) {
            tokenizer.tokenId(eos).ifPresent(stops::add);
        }
        stops.addAll(generationEosIds);
        endOfTurnProbe().ifPresent(stops::add);
        this.stopIds = stops.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Loads the template of a model directory: {@code tokenizer_config.json} (chat_template, bos/eos/unk/pad
     * tokens), {@code generation_config.json} if present (eos_token_id: one id or a list), and the tokenizer.
     *
     * @throws TokenizerFileException naming the file and key that is missing or malformed
     */
    public static JinjaChatTemplate load(Path modelDir) {
        Path configFile = modelDir.resolve("tokenizer_config.json");
        JsonNode config = readJson(configFile);
        JsonNode chat = config.get("chat_template");
        String template;
        if (chat != null && chat.isTextual()) {
            template = chat.asText();
        } else if (chat != null && chat.isArray()) {
            template = null;
            for (JsonNode named : chat) {
                if ("default".equals(named.path("name").asText())) {
                    template = named.path("template").asText();
                }
            }
            if (template == null) {
                throw new TokenizerFileException(configFile, "chat_template is a list without a template named \"default\"");
            }
        } else {
            throw new TokenizerFileException(configFile, "has no \"chat_template\" string; this model has no chat template");
        }
        Map<String, String> globals = new LinkedHashMap<>();
        for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
            JsonNode v = config.get(key);
            if (v != null && v.isTextual()) {
                globals.put(key, v.asText());
            } else if (v != null && v.isObject() && v.path("content").isTextual()) {
                globals.put(key, v.path("content").asText());
            }
        }
        List<Integer> eosIds = new ArrayList<>();
        Path generation = modelDir.resolve("generation_config.json");
        if (Files.exists(generation)) {
            JsonNode eos = readJson(generation).get("eos_token_id");
            if (eos != null && eos.isArray()) {
                eos.forEach(e -> eosIds.add(e.asInt()));
            } else if (eos != null && eos.canConvertToInt()) {
                eosIds.add(eos.asInt());
            } else if (eos != null && !eos.isNull()) {
                throw new TokenizerFileException(generation, "eos_token_id must be an id or a list of ids, got " + eos);
            }
        }
        return new JinjaChatTemplate(template, Tokenizer.load(modelDir), globals, eosIds);
    }

    private static JsonNode readJson(Path file) {
        try {
            JsonNode node = MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
            if (node == null || !node.isObject()) {
                throw new TokenizerFileException(file, "expected a JSON object");
            }
            return node;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new TokenizerFileException(file, "no such file", e);
        } catch (IOException e) {
            throw new TokenizerFileException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    /** Called by templates as {@code raise_exception(message)}. */
    public static String raiseException(String message) {
        throw new ChatTemplateException(message);
    }

    /** A template's own error (raise_exception) or a rendering failure. */
    public static final class ChatTemplateException extends IllegalArgumentException {
        public ChatTemplateException(String message) {
            super(message);
        }
    }

    /** Renders with the default globals; {@code extraGlobals} add or override (e.g. enable_thinking, tools). */
    public String render(List<Message> messages, boolean addGenerationPrompt, Map<String, Object> extraGlobals) {
        Map<String, Object> bindings = new LinkedHashMap<>();
        List<Map<String, Object>> msgs = new ArrayList<>();
        for (Message m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", new PyString(m.role()));
            map.put("content", new PyString(m.content()));
            msgs.add(map);
        }
        bindings.put("messages", msgs);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        bindings.put("tools", null);
        bindings.put("documents", null);
        specialTokenGlobals.forEach(bindings::put);
        bindings.putAll(extraGlobals);
        RenderResult result = jinjava.renderForResult(template, bindings);
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                Throwable cause = e.getException();
                while (cause != null && !(cause instanceof ChatTemplateException)) {
                    cause = cause.getCause();
                }
                if (cause != null) {
                    throw (ChatTemplateException) cause;
                }
                throw new ChatTemplateException("chat template failed to render: " + e.getMessage()
                        + (e.getLineno() > 0 ? " (template line " + e.getLineno() + ")" : ""));
            }
        }
        return result.getOutput();
    }

    public String render(List<Message> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /** The ids of the conversation rendered with the generation prompt: what {@code generate --chat} feeds the model. */
    public int[] encodePrompt(List<Message> messages) {
        return tokenizer.encode(render(messages, true), tokenizer.specialTokens().keySet());
    }

    /**
     * The ids of the whole conversation and its assistant mask. Each assistant turn's span in the rendering R
     * starts where the rendering of the messages before it with the generation prompt ends (that text must be a
     * prefix of R, else the template hides a turn's position and this throws) and ends after the first special
     * token that follows the turn's content (its end-of-turn token, e.g. {@code <|eot_id|>}, {@code <|im_end|>}).
     * A token is masked in when its first byte lies inside a span; token byte offsets come from the ids
     * themselves, and their bytes must spell R.
     *
     * @throws ChatTemplateException if a span cannot be derived, naming the message
     */
    public Encoded encodeForTraining(List<Message> messages) {
        String text = render(messages, false);
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        List<int[]> spans = new ArrayList<>(); // byte offsets [start, end)
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).role().equals("assistant")) {
                continue;
            }
            String prompt = render(messages.subList(0, i), true);
            if (!text.startsWith(prompt)) {
                throw new ChatTemplateException("message " + i + " (assistant): the rendering of the messages before it "
                        + "with the generation prompt is not a prefix of the whole conversation's; cannot tell where the turn starts");
            }
            int start = prompt.length();
            String content = messages.get(i).content().strip();
            int contentAt = content.isEmpty() ? -1 : text.indexOf(content, start);
            int searchFrom = contentAt >= 0 ? contentAt + content.length() : start;
            int end = -1;
            for (String special : tokenizer.specialTokens().keySet()) {
                int at = text.indexOf(special, searchFrom);
                if (at >= 0 && (end < 0 || at + special.length() < end)) {
                    end = at + special.length();
                }
            }
            if (end < 0) {
                throw new ChatTemplateException("message " + i + " (assistant): no special token (end of turn) follows its content");
            }
            spans.add(new int[] {byteOffset(text, start), byteOffset(text, end)});
        }
        int[] ids = tokenizer.encode(text, tokenizer.specialTokens().keySet());
        boolean[] mask = new boolean[ids.length];
        int offset = 0;
        for (int k = 0; k < ids.length; k++) {
            for (int[] span : spans) {
                mask[k] |= offset >= span[0] && offset < span[1];
            }
            offset += tokenizer.bytesOf(ids[k]).length;
        }
        if (offset != utf8.length) {
            throw new ChatTemplateException("the tokens' bytes (" + offset + ") do not spell the rendered text ("
                    + utf8.length + " bytes); assistant masks need a byte-level tokenizer without a changing normalizer");
        }
        return new Encoded(text, ids, mask);
    }

    private static int byteOffset(String text, int charIndex) {
        return text.substring(0, charIndex).getBytes(StandardCharsets.UTF_8).length;
    }

    /** Ids that end generation: eos_token, generation_config.json's eos_token_id(s), the template's end-of-turn token. */
    public int[] stopIds() {
        return stopIds.clone();
    }

    /** The special token right after an assistant reply in a one-exchange conversation, if the template renders one. */
    private java.util.OptionalInt endOfTurnProbe() {
        String reply = "Stratum probe reply";
        try {
            String text = render(List.of(new Message("user", "Hi"), new Message("assistant", reply)), false);
            int after = text.indexOf(reply);
            if (after < 0) {
                return java.util.OptionalInt.empty();
            }
            after += reply.length();
            String best = null;
            int bestAt = -1;
            for (String special : tokenizer.specialTokens().keySet()) {
                int at = text.indexOf(special, after);
                if (at >= 0 && (bestAt < 0 || at < bestAt || (at == bestAt && special.length() > best.length()))) {
                    best = special;
                    bestAt = at;
                }
            }
            return best == null ? java.util.OptionalInt.empty() : tokenizer.specialTokenId(best);
        } catch (ChatTemplateException e) {
            return java.util.OptionalInt.empty(); // e.g. a template that requires a system message
        }
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }
}
