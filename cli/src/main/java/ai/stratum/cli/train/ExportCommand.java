package ai.stratum.cli.train;

import ai.stratum.hf.HfExport;
import ai.stratum.hf.Safetensors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code stratum export}: a checkpoint as its family's Hugging Face directory, in float32 or bfloat16, sharded. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a checkpoint (or any model directory) as its family's Hugging Face directory: "
                + "safetensors in the given dtype, sharded with model.safetensors.index.json above --max-shard-size, "
                + "config.json with architectures, model_type and torch_dtype, and the tokenizer files.")
public final class ExportCommand implements Callable<Integer> {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB|KIB|MIB|GIB)?");

    @Spec
    CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR",
            description = "A checkpoint directory, or a run directory (its latest checkpoint).")
    Path checkpoint;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the export goes.")
    Path out;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "float32",
            description = "float32 or bfloat16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--max-shard-size", paramLabel = "SIZE", defaultValue = "5GB",
            description = "Largest shard, e.g. 5GB, 500MB or a byte count, as transformers' max_shard_size "
                    + "(default: ${DEFAULT-VALUE}).")
    String maxShardSize;

    @Override
    public Integer call() throws IOException {
        Safetensors.Dtype type = dtype(spec, dtype);
        HfExport.Result r = HfExport.export(Models.resolve(checkpoint), out, type, bytes(spec, "--max-shard-size",
                maxShardSize));
        spec.commandLine().getOut().printf("exported %s as %s (%s) into %s%s%n", checkpoint,
                r.family().modelType(), type.torchName(), out,
                r.tokenizer().isEmpty() ? "; note: the source has no tokenizer files" : " with " + r.tokenizer());
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** {@code --dtype}: float32 (f32, fp32) or bfloat16 (bf16). */
    static Safetensors.Dtype dtype(CommandSpec spec, String dtype) {
        return switch (dtype.toLowerCase(Locale.ROOT)) {
            case "float32", "f32", "fp32" -> Safetensors.Dtype.F32;
            case "bfloat16", "bf16" -> Safetensors.Dtype.BF16;
            default -> throw new ParameterException(spec.commandLine(), "--dtype: must be float32 or bfloat16, got '"
                    + dtype + "'");
        };
    }

    /** transformers' sizes: KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024; {@code option} names the flag. */
    static long bytes(CommandSpec spec, String option, String size) {
        Matcher m = SIZE.matcher(size.strip().toUpperCase(Locale.ROOT));
        if (!m.matches() || Long.parseLong(m.group(1)) < 1) {
            throw new ParameterException(spec.commandLine(), option + ": '" + size + "' is not a size such as "
                    + "5GB, 500MB or 1000000");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        return n * switch (unit) {
            case "KB" -> 1_000L;
            case "MB" -> 1_000_000L;
            case "GB" -> 1_000_000_000L;
            case "KIB" -> 1L << 10;
            case "MIB" -> 1L << 20;
            case "GIB" -> 1L << 30;
            default -> 1L;
        };
    }
}
