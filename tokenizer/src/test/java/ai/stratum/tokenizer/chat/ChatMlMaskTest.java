package ai.stratum.tokenizer.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson;
import ai.stratum.tokenizer.Tokenizer;
import ai.stratum.tokenizer.chat.JinjaChatTemplate.Message;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ChatML template on a byte-level vocabulary (no fetched files): the mask is checked id by id against a naive
 * construction (each turn encoded alone, special tokens as single ids), raise_exception reaches the caller, and
 * the stop ids are eos plus the end-of-turn token found by rendering.
 */
class ChatMlMaskTest {
    static final String CHATML = "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] | trim + '<|im_end|>' + '\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    @TempDir
    Path dir;

    @Test
    void maskEqualsANaiveConstruction() throws IOException {
        Tokenizer tok = Tokenizer.load(ByteLevelTokenizerJson.write(dir.resolve("tokenizer.json"),
                List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>")));
        JinjaChatTemplate chat = new JinjaChatTemplate(CHATML, tok, Map.of("eos_token", "<|endoftext|>"), List.of());
        List<Message> conv = List.of(new Message("system", "Be brief."), new Message("user", "Hi there"),
                new Message("assistant", " Hello! "), new Message("user", "2+2?"), new Message("assistant", "4"));
        JinjaChatTemplate.Encoded enc = chat.encodeForTraining(conv);
        int start = tok.specialTokenId("<|im_start|>").getAsInt();
        int end = tok.specialTokenId("<|im_end|>").getAsInt();
        List<Integer> ids = new ArrayList<>();
        List<Boolean> mask = new ArrayList<>();
        for (Message m : conv) {
            boolean assistant = m.role().equals("assistant");
            ids.add(start);
            mask.add(false);
            for (int id : tok.encodeOrdinary(m.role() + "\n")) {
                ids.add(id);
                mask.add(false);
            }
            for (int id : tok.encodeOrdinary(m.content().strip())) {
                ids.add(id);
                mask.add(assistant);
            }
            ids.add(end);
            mask.add(assistant); // the end-of-turn token is trained on
            for (int id : tok.encodeOrdinary("\n")) {
                ids.add(id);
                mask.add(false);
            }
        }
        assertArrayEquals(ids.stream().mapToInt(Integer::intValue).toArray(), enc.ids());
        boolean[] expected = new boolean[mask.size()];
        for (int k = 0; k < expected.length; k++) {
            expected[k] = mask.get(k);
        }
        assertArrayEquals(expected, enc.assistantMask());
        assertArrayEquals(new int[] {tok.specialTokenId("<|endoftext|>").getAsInt(), end}, chat.stopIds());
    }

    @Test
    void raiseExceptionReachesTheCaller() throws IOException {
        Tokenizer tok = Tokenizer.load(ByteLevelTokenizerJson.write(dir.resolve("tokenizer.json"), List.of("<|endoftext|>")));
        JinjaChatTemplate chat = new JinjaChatTemplate("{% if messages[0]['role'] != 'system' %}"
                + "{{ raise_exception('Conversations must start with a system message') }}{% endif %}ok", tok, Map.of(), List.of());
        JinjaChatTemplate.ChatTemplateException e = assertThrows(JinjaChatTemplate.ChatTemplateException.class,
                () -> chat.render(List.of(new Message("user", "hi")), true));
        assertEquals("Conversations must start with a system message", e.getMessage());
        assertEquals("ok", chat.render(List.of(new Message("system", "s")), true));
    }
}
