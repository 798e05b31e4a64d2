package ai.stratum.cli.tokenizer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code stratum tokenizer ...}: train, encode, decode and inspect byte-level BPE tokenizers. */
@Command(name = "tokenizer",
        mixinStandardHelpOptions = true,
        description = "Train, encode with, decode with and inspect byte-level BPE tokenizers (tokenizer.json or GPT-2 files).",
        subcommands = {
                TokenizerTrainCommand.class,
                TokenizerEncodeCommand.class,
                TokenizerDecodeCommand.class,
                TokenizerInfoCommand.class,
        })
public final class TokenizerCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: train, encode, decode or info");
    }
}
