package ai.stratum.cli.train;

import ai.stratum.train.LoraModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code stratum merge}: fold a LoRA adapter into its base, giving a full checkpoint. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Fold a PEFT LoRA adapter into its base model and write a full Hugging Face GPT-2 checkpoint "
                + "(model.safetensors, config.json, tokenizer.json).")
public final class MergeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--base", required = true, paramLabel = "DIR", description = "The base the adapter was trained on.")
    Path base;

    @Option(names = "--adapter", required = true, paramLabel = "DIR",
            description = "A LoRA checkpoint (runs/NAME/latest) or any PEFT LoRA adapter directory.")
    Path adapter;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the merged model goes.")
    Path out;

    @Override
    public Integer call() throws IOException {
        base = Models.resolve(base);
        adapter = Models.resolve(adapter);
        LoraModel.merge(base, adapter, out);
        spec.commandLine().getOut().printf("merged %s into %s: %s%n", adapter, base, out);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
