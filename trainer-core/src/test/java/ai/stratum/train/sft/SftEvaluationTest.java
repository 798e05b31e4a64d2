package ai.stratum.train.sft;

import ai.stratum.fixtures.tokenizer.ByteLevelTokenizerJson;
import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.kernels.Nd4jKernels;
import ai.stratum.tokenizer.Tokenizer;
import ai.stratum.train.Evaluation;
import ai.stratum.train.Finetune;
import ai.stratum.train.DecoderModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Held-out SFT loss: packed, masked and token-weighted, it equals each example run alone. */
class SftEvaluationTest {

    @TempDir
    Path dir;

    @Test
    void packedMaskedLossEqualsTheMeanOverExamplesRunAlone() throws IOException {
        List<String> specials = new ArrayList<>(List.of(Tokenizer.END_OF_TEXT));
        specials.addAll(ChatTemplate.DEFAULT.specialTokens());
        Tokenizer tok = Tokenizer.load(ByteLevelTokenizerJson.write(dir.resolve("tokenizer.json"), specials));
        Path file = Files.write(dir.resolve("val.jsonl"), List.of(
                "{\"prompt\": \"hi\", \"response\": \"hello there\"}",
                "{\"prompt\": \"2+2?\", \"response\": \"4\"}",
                "{\"prompt\": \"name?\", \"response\": \"Stratum.\"}",
                "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", "
                        + "\"content\": \"sky?\"}, {\"role\": \"assistant\", \"content\": \"blue\"}]}"));
        try (DecoderModel model = new DecoderModel(new Decoder(ModelConfig.gpt2(261, 64, 2, 2, 16, 0.0), 2, 64, DataType.DOUBLE,
                new Nd4jKernels()))) {
            model.initWeights(5);
            Evaluation.Result packed = Finetune.evaluateSft(model, tok, file, 2, 64, line -> { });

            SftEncoder encoder = new SftEncoder(tok, ChatTemplate.DEFAULT, false);
            double sum = 0;
            long count = 0;
            for (SftExample e : SftJsonl.read(file)) {
                SftEncoder.Encoded enc = encoder.encode(e);
                int n = enc.length() - 1;
                int[] tokens = java.util.Arrays.copyOf(enc.tokens(), n);
                int[] targets = new int[n];
                for (int i = 0; i < n; i++) {
                    targets[i] = enc.trained()[i + 1] ? enc.tokens()[i + 1] : -1;
                }
                float loss = model.forward(tokens, targets, 1, n, false, 0);
                sum += loss * (double) enc.trainedTargets();
                count += enc.trainedTargets();
            }
            assertEquals(count, packed.tokens());
            assertEquals(sum / count, packed.loss(), 1e-5, "float losses, double model");
            assertEquals(Math.exp(sum / count), packed.perplexity(), 1e-4);
        }
    }
}
