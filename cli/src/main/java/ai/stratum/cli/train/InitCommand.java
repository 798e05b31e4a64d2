package ai.stratum.cli.train;

import ai.stratum.cli.ConfigOptions;
import ai.stratum.config.ConfigLoader;
import ai.stratum.hf.Family;
import ai.stratum.hf.RandomCheckpoint;
import ai.stratum.hf.Safetensors;
import ai.stratum.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code stratum init}: a randomly initialized model of a preset or config, as a Hugging Face directory. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Write a randomly initialized model of a preset or config (its model section) as its family's "
                + "Hugging Face directory: safetensors in float32 or bfloat16, sharded with "
                + "model.safetensors.index.json above --max-shard-size, config.json and a tokenizer. It loads like "
                + "any base: stratum finetune --base DIR, generate, export, transformers' from_pretrained.",
                "The weights are initialized as pretraining initializes them (train.seed unless --seed)."})
public final class InitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the model goes (a new or empty directory).")
    Path out;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "bfloat16",
            description = "float32 or bfloat16 on disk (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--seed", paramLabel = "N", description = "Initialization seed (default: the config's train.seed).")
    Long seed;

    @Option(names = "--tokenizer", paramLabel = "FILE|DIR",
            description = "tokenizer.json (or a model directory whose tokenizer files are copied); default: a "
                    + "byte-level tokenizer.json (256 bytes + <|endoftext|>), the rest of the vocabulary unused.")
    Path tokenizer;

    @Option(names = "--family", paramLabel = "MODEL_TYPE",
            description = "gpt2, llama, mistral, qwen2 or qwen3 (default: the one that holds the config).")
    String family;

    @Option(names = "--max-shard-size", paramLabel = "SIZE", defaultValue = "5GB",
            description = "Largest weight file, e.g. 5GB, 500MB or a byte count (default: ${DEFAULT-VALUE}).")
    String maxShardSize;

    @Option(names = "--overwrite", description = "Replace a model already in --out.")
    boolean overwrite;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        ConfigLoader.Resolved<TrainConfig> resolved = config.resolve(TrainConfig.class, "tiny-cpu");
        if (config.dryRun()) {
            out.print(resolved.toYaml());
            out.flush();
            return 0;
        }
        if (this.out == null) {
            throw new ParameterException(spec.commandLine(), "init needs --out DIR");
        }
        Safetensors.Dtype type = ExportCommand.dtype(spec, dtype);
        Family chosen = family == null ? null : Family.ofModelType(family.toLowerCase(Locale.ROOT));
        TrainConfig cfg = resolved.value();
        RandomCheckpoint.Spec s = new RandomCheckpoint.Spec(cfg.model(), chosen, type,
                ExportCommand.bytes(spec, "--max-shard-size", maxShardSize),
                seed != null ? seed : cfg.train().seed(), tokenizer);
        long started = System.nanoTime();
        RandomCheckpoint.Result r = RandomCheckpoint.write(s, this.out, overwrite);
        out.printf("wrote a random %s model (%,d parameters, %s, seed %d) into %s: %s, config.json, tokenizer.json "
                        + "(eos %d) in %.1f s%n", r.family().modelType(), r.parameters(), type.torchName(), s.seed(),
                this.out, r.weights().size() <= 3 ? String.join(", ", r.weights())
                        : r.weights().size() - 1 + " shards and " + r.weights().get(r.weights().size() - 1),
                r.eosTokenId(), (System.nanoTime() - started) / 1e9);
        out.flush();
        return 0;
    }
}
