package ai.stratum.cli.quickstart;

import ai.stratum.cli.UserException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code stratum quickstart}: the whole path, data to fine-tuned model, on data it generates itself. */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = {"Generate a corpus and instructions, clean them with the data pipeline, train a tokenizer,",
                "pretrain tiny-cpu, LoRA-fine-tune it, and compare answers before and after. A few minutes on 2 cores."})
public final class QuickstartCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--out", defaultValue = "runs/quickstart", paramLabel = "DIR",
            description = "Where everything goes (default: ${DEFAULT-VALUE}); must be empty or absent.")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of every generator and run (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--creatures", defaultValue = "24", description = "Size of the generated world (default: ${DEFAULT-VALUE}).")
    int creatures;

    @Option(names = "--documents", defaultValue = "1200", description = "Corpus documents (default: ${DEFAULT-VALUE}).")
    int documents;

    @Option(names = "--instructions", defaultValue = "800", description = "Fine-tuning examples (default: ${DEFAULT-VALUE}).")
    int instructions;

    @Option(names = "--vocab-size", defaultValue = "1024", description = "Tokenizer vocabulary (default: ${DEFAULT-VALUE}).")
    int vocabSize;

    @Option(names = "--pretrain-steps", defaultValue = "300", description = "Default: ${DEFAULT-VALUE}.")
    int pretrainSteps;

    @Option(names = "--finetune-steps", defaultValue = "100", description = "Default: ${DEFAULT-VALUE}.")
    int finetuneSteps;

    @Option(names = "--overwrite", description = "Delete --out first if it exists.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(out)) {
            boolean empty;
            try (Stream<Path> s = Files.list(out)) {
                empty = s.findAny().isEmpty();
            }
            if (!empty) {
                if (!overwrite) {
                    throw new UserException(out + " already exists and is not empty; pass --overwrite to replace it "
                            + "or choose another --out");
                }
                deleteRecursively(out);
            }
        }
        Files.createDirectories(out);
        var options = new Quickstart.Options(out, seed, creatures, documents, instructions, vocabSize,
                pretrainSteps, finetuneSteps);
        return new Quickstart(options, spec.commandLine().getOut(), spec.commandLine().getErr()).run();
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
