package ai.stratum.train;

import ai.stratum.generate.Generator;
import ai.stratum.generate.Sampler;
import ai.stratum.train.checkpoint.CheckpointConfig;
import ai.stratum.train.data.ShardSet;
import ai.stratum.train.metrics.StepMetrics;
import ai.stratum.train.optim.OptimConfig;
import ai.stratum.fixtures.tokens.SyntheticShards;
import ai.stratum.model.Decoder;
import ai.stratum.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer with the real decoder, GPT-2 and a Llama (pretraining a Llama architecture from scratch through the
 * same loop): the loss falls, the checkpoint (Hugging Face layout of its family) reloads into the same model and
 * generates as full recompute does.
 */
class DecoderTrainingTest {

    @TempDir
    Path tmp;

    static final ModelConfig GPT2 = ModelConfig.gpt2(32, 16, 2, 2, 32, 0.0);
    static final ModelConfig LLAMA = ModelConfig.llama(32, 16, 2, 4, 2, 32, 64, 1e-5, 10000.0, false);

    static TrainConfig config(ModelConfig model) {
        return new TrainConfig(model,
                new OptimConfig(1e-2, 1e-3, 5, 0.1, 0.9, 0.95, 1e-8, 1.0),
                new TrainingConfig(40, 0, 4, 16, 64, 3, "float32"),
                new EvalConfig(20, 4), new CheckpointConfig(20, 1), new LogConfig(5));
    }

    @Test
    void gpt2LossFallsAndTheCheckpointReloadsAndGenerates() throws IOException {
        trainReloadGenerate(GPT2);
    }

    @Test
    void llamaLossFallsAndTheCheckpointReloadsAndGenerates() throws IOException {
        trainReloadGenerate(LLAMA);
    }

    private void trainReloadGenerate(ModelConfig model) throws IOException {
        Path data = tmp.resolve("data");
        SyntheticShards.writeDataset(data, 32, 30_000, 3_000, 8);
        Path runDir = tmp.resolve("run");
        List<StepMetrics> steps = new ArrayList<>();
        Trainer.Result result = new Trainer(Trainer.Run.pretrain(config(model), ShardSet.open(data), runDir, false)
                .withPeakFlops(1e9), DecoderModel.factory(), line -> { }, steps::add).run();
        assertEquals(40, steps.size());
        assertEquals(Math.log(32), steps.get(0).loss(), 0.15, "initial loss ~ ln(V)");
        double lastFive = steps.subList(35, 40).stream().mapToDouble(StepMetrics::loss).average().orElseThrow();
        assertTrue(lastFive < 2.2, model + ": loss after 40 steps " + lastFive);
        assertTrue(steps.get(39).mfu() > 0, "MFU reported against the given peak");
        assertTrue(result.val().loss() < 2.4, "val loss " + result.val().loss());

        Path ckpt = runDir.resolve("latest");
        Evaluation.Result again = Evaluation.ofCheckpoint(ckpt, ShardSet.open(data), 4, 16, 4);
        assertEquals(result.val().loss(), again.loss(), 1e-6, "evaluating the saved checkpoint repeats the eval");

        // a new run that starts from the checkpoint (as fine-tuning does) begins at the trained loss, not ln(V)
        List<StepMetrics> continued = new ArrayList<>();
        new Trainer(Trainer.Run.pretrain(config(model), ShardSet.open(data), tmp.resolve("from-base"), false)
                .withInit(ModelInit.fromCheckpoint(ckpt)), DecoderModel.factory(), line -> { }, continued::add).run();
        assertTrue(continued.get(0).loss() < steps.get(0).loss() - 1.0, "first loss from the base "
                + continued.get(0).loss() + ", from scratch " + steps.get(0).loss());

        assertEquals(model, ai.stratum.hf.HfConfig.read(ckpt), "config.json holds the architecture");
        try (Decoder gpt = DecoderModel.load(ckpt, 1, 16)) {
            int[] prompt = {1, 2, 3};
            Sampler greedySampler = new Sampler(new Sampler.Settings(0, 0, 1), new SplittableRandom(1));
            int[] greedy = Generator.generate(gpt, prompt, 13, -1, greedySampler, t -> { });
            assertEquals(13, greedy.length);
            // reference: a full forward over the whole prefix for every new token, argmax of the last position
            int[] all = Arrays.copyOf(prompt, 16);
            for (int n = 3; n < 16; n++) {
                gpt.forward(Arrays.copyOf(all, n), null, 1, n, false, 0);
                INDArray last = gpt.logits().get(NDArrayIndex.point(0), NDArrayIndex.point(n - 1), NDArrayIndex.all());
                all[n] = Sampler.argmax(last.toFloatVector());
            }
            assertArrayEquals(Arrays.copyOfRange(all, 3, 16), greedy, "KV-cached decoding = full forwards");
            int[] beyondContext = Generator.generate(gpt, prompt, 40, -1, greedySampler, t -> { });
            assertEquals(40, beyondContext.length, "decoding continues past the 16-token context");
            assertArrayEquals(greedy, Arrays.copyOf(beyondContext, 13));
            int[] stopped = Generator.generate(gpt, prompt, 20, greedy[0], new Sampler(new Sampler.Settings(0, 0, 1),
                    new SplittableRandom(1)), t -> { });
            assertArrayEquals(new int[0], stopped, "generation stops at the end-of-text id");
            List<Integer> streamed = new ArrayList<>();
            int[] sampled = Generator.generate(gpt, prompt, 10, -1, new Sampler(new Sampler.Settings(1, 0, 1),
                    new SplittableRandom(5)), streamed::add);
            assertEquals(Arrays.stream(sampled).boxed().toList(), streamed);
        }
    }
}
