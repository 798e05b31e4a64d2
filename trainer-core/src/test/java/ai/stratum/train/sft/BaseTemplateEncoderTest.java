package ai.stratum.train.sft;

import ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson;
import ai.stratum.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SFT with a base model's own Jinja chat template: the ids are the rendering's (as apply_chat_template then
 * tokenize), the targets are exactly each assistant reply and its end-of-turn token, the generation prompt's ids are
 * a prefix of the training ids, and generation stops at the end-of-turn id. The template here is a ChatML-style one
 * written for this test, on the byte-level fixture tokenizer (byte b has id b; specials from 256).
 */
class BaseTemplateEncoderTest {

    private static final int IM_START = 257;
    private static final int IM_END = 258;

    private static Path base(Path dir, boolean withTemplate) throws IOException {
        Files.createDirectories(dir);
        ByteLevelTokenizerJson.write(dir.resolve("tokenizer.json"),
                List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"));
        String template = "{% for m in messages %}<|im_start|>{{ m.role }}\\n{{ m.content }}<|im_end|>\\n{% endfor %}"
                + "{% if add_generation_prompt %}<|im_start|>assistant\\n{% endif %}";
        Files.writeString(dir.resolve("tokenizer_config.json"), withTemplate
                ? "{\"eos_token\": \"<|im_end|>\", \"chat_template\": \"" + template + "\"}"
                : "{\"eos_token\": \"<|endoftext|>\"}");
        return dir;
    }

    /** The ids of text in which the markers stand for the special tokens, every other byte its own id. */
    private static int[] ids(String text) {
        return text.replace("S", "\u0001").replace("E", "\u0002").chars().map(c -> switch (c) {
            case 1 -> IM_START;
            case 2 -> IM_END;
            default -> {
                byte[] b = String.valueOf((char) c).getBytes(StandardCharsets.UTF_8);
                yield b[0] & 0xFF;
            }
        }).toArray();
    }

    @Test
    void trainsExactlyTheRepliesAndTheirEndOfTurnAndPromptsWithTheSameIds(@TempDir Path tmp) throws IOException {
        Path dir = base(tmp.resolve("base"), true);
        Tokenizer tok = Tokenizer.load(dir);
        ChatEncoder encoder = ChatEncoder.forBase(dir, "auto", tok, ChatTemplate.DEFAULT, false);
        assertInstanceOf(BaseTemplateEncoder.class, encoder);

        SftExample example = new SftExample(List.of(new Message(Message.Role.USER, "ab"),
                new Message(Message.Role.ASSISTANT, "xyz"), new Message(Message.Role.USER, "c"),
                new Message(Message.Role.ASSISTANT, "w")));
        SftEncoder.Encoded e = encoder.encode(example);
        // S = <|im_start|>, E = <|im_end|>
        String rendered = "Suser\nabE\nSassistant\nxyzE\nSuser\ncE\nSassistant\nwE\n";
        assertArrayEquals(ids(rendered), e.tokens());
        StringBuilder trained = new StringBuilder();
        for (int i = 0; i < e.length(); i++) {
            if (e.trained()[i]) {
                trained.append(e.tokens()[i] == IM_END ? "E" : String.valueOf((char) e.tokens()[i]));
            }
        }
        assertEquals("xyzEwE", trained.toString());

        int[] prompt = encoder.encodePrompt(List.of(new Message(Message.Role.USER, "ab")));
        assertArrayEquals(ids("Suser\nabE\nSassistant\n"), prompt);
        assertArrayEquals(prompt, Arrays.copyOf(e.tokens(), prompt.length), "inference ids are the training ids");
        assertTrue(Arrays.stream(encoder.stopIds()).anyMatch(id -> id == IM_END));

        // train_on_inputs trains every token
        SftEncoder.Encoded all = ChatEncoder.forBase(dir, "auto", tok, ChatTemplate.DEFAULT, true).encode(example);
        for (boolean t : all.trained()) {
            assertTrue(t);
        }
    }

    @Test
    void stratumOrAMissingTemplateUsesTheSpecialTokenTemplateAndBadValuesAreNamed(@TempDir Path tmp)
            throws IOException {
        Path with = base(tmp.resolve("with"), true);
        Path without = base(tmp.resolve("without"), false);
        Tokenizer tok = Tokenizer.load(with).withSpecialTokens(ChatTemplate.DEFAULT.specialTokens());
        assertInstanceOf(SftEncoder.class, ChatEncoder.forBase(with, "stratum", tok, ChatTemplate.DEFAULT, false));
        assertInstanceOf(SftEncoder.class, ChatEncoder.forBase(without, "auto", tok, ChatTemplate.DEFAULT, false));
        assertTrue(ChatEncoder.usesBaseTemplate(with, "auto"));
        assertTrue(!ChatEncoder.usesBaseTemplate(without, "auto"));
        var e = assertThrows(IllegalArgumentException.class, () -> ChatEncoder.usesBaseTemplate(with, "jinja"));
        assertTrue(e.getMessage().startsWith("sft.chat_template"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SftConfig(false, SequencePacker.Overflow.TRUNCATE,
                ChatTemplate.DEFAULT, "jinja"));
        assertTrue(e.getMessage().startsWith("chat_template"), e.getMessage());
    }
}
