package ai.stratum.cli.quickstart;

import ai.stratum.cli.Main;
import ai.stratum.cli.UserException;
import ai.stratum.model.Decoder;
import ai.stratum.tokenizer.Tokenizer;
import ai.stratum.train.checkpoint.Checkpoints;
import ai.stratum.generate.Generator;
import ai.stratum.train.DecoderModel;
import ai.stratum.train.LanguageModel;
import ai.stratum.train.LoraModel;
import ai.stratum.generate.Sampler;
import ai.stratum.train.sft.ChatTemplate;
import ai.stratum.train.sft.Message;
import ai.stratum.train.sft.SftEncoder;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The whole Stratum path on data it makes itself, as the stratum commands a user would type, each printed
 * before it runs: generate a corpus and an instruction set, clean the corpus with the data pipeline, train a
 * tokenizer on the cleaned text, tokenize it into shards, pretrain {@code tiny-cpu}, LoRA-fine-tune on the
 * instructions, and answer held-out questions before and after fine-tuning.
 */
final class Quickstart {

    /** The knobs; defaults take a few minutes on 2 cores. */
    record Options(Path dir, long seed, int creatures, int documents, int instructions, int vocabSize,
                   int pretrainSteps, int finetuneSteps) {
        Options {
            if (creatures < 2 || documents < 20 || instructions < 1) {
                throw new IllegalArgumentException("quickstart: need at least 2 creatures, 20 documents and "
                        + "1 instruction");
            }
            if (vocabSize < 300) {
                throw new IllegalArgumentException("vocab-size: must be at least 300 (256 bytes + merges + 5 "
                        + "special tokens), got " + vocabSize);
            }
            if (pretrainSteps < 1 || finetuneSteps < 1) {
                throw new IllegalArgumentException("steps: pretraining and fine-tuning need at least 1 step each");
            }
        }
    }

    /** Share of held-out questions answered with the right fact, and a few question/answer samples. */
    record Answers(int correct, int total, List<String[]> samples) {
        double accuracy() {
            return total == 0 ? 0 : (double) correct / total;
        }
    }

    private final Options o;
    private final PrintWriter out;
    private final PrintWriter err;
    private int stage;

    static final int STAGES = 8;

    Quickstart(Options options, PrintWriter out, PrintWriter err) {
        this.o = options;
        this.out = out;
        this.err = err;
    }

    int run() throws IOException {
        Path d = o.dir();
        long start = System.nanoTime();

        header("Generate a web-like corpus and an instruction set (seed " + o.seed() + ")");
        QuickstartData.Generated data = QuickstartData.write(d, o.seed(), o.creatures(), o.documents(),
                o.instructions());
        out.printf("%s: %d documents about the world + %d noisy ones (spam, near-duplicates, German, personal data)%n",
                d.relativize(data.corpus()), data.cleanDocs(), data.noisyDocs());
        out.printf("%s: %d questions; %s: %d held-out questions whose facts only the corpus states%n",
                d.relativize(data.sftTrain()), o.instructions(), d.relativize(data.sftVal()), data.heldOut().size());

        header("Clean the corpus: filters, dedup, PII redaction (byte-level shards hold the cleaned text)");
        Path recipes = Files.createDirectories(d.resolve("recipes"));
        Path cleanRecipe = recipes.resolve("clean.yaml");
        Files.writeString(cleanRecipe, """
                # The quickstart's cleaning run: the default filters over the generated corpus; byte-level shards
                # (token = byte) keep the cleaned text exactly, for the tokenizer to train on.
                inputs:
                  - name: world
                    format: jsonl
                    paths: [%s]
                    text_field: text
                    id_field: id
                tokenizer:
                  type: bytes
                output:
                  name: clean
                  val_fraction: 0.0
                threads: 2
                """.formatted(data.corpus().toAbsolutePath()));
        stratum("data", "prepare", "--recipe", cleanRecipe.toString(), "--out", d.resolve("clean").toString());
        Path text = d.resolve("clean/text.txt");
        int kept = CleanText.extract(d.resolve("clean"), text, d.resolve("clean/documents.jsonl"));
        out.printf("%d cleaned documents -> %s and %s%n", kept, d.relativize(text), "clean/documents.jsonl");

        header("Train a byte-level BPE tokenizer on the cleaned text, with the chat template's tokens");
        List<String> tok = new ArrayList<>(List.of("tokenizer", "train", "--input", text.toString(),
                "--vocab-size", Integer.toString(o.vocabSize()), "--special", Tokenizer.END_OF_TEXT));
        for (String s : ChatTemplate.DEFAULT.specialTokens()) {
            tok.add("--special");
            tok.add(s);
        }
        tok.addAll(List.of("--out", d.resolve("tokenizer").toString()));
        stratum(tok.toArray(String[]::new));
        // a small world has few distinct words: the tokenizer may stop below the requested size
        int vocab = Tokenizer.load(d.resolve("tokenizer/tokenizer.json")).vocabSize();

        header("Tokenize the cleaned documents into llm.c shards with a validation split");
        Path tokenizeRecipe = recipes.resolve("tokenize.yaml");
        Files.writeString(tokenizeRecipe, """
                # The quickstart's tokenizing run: the documents are already clean, so every filter is off.
                inputs:
                  - name: clean
                    format: jsonl
                    paths: [%s]
                    text_field: text
                    id_field: id
                filters:
                  language: {enabled: false}
                  gopher_repetition: {enabled: false}
                  gopher_quality: {enabled: false}
                  c4: {enabled: false}
                  fineweb: {enabled: false}
                dedup:
                  exact: false
                  minhash: false
                pii:
                  enabled: false
                tokenizer:
                  type: file
                  path: %s
                output:
                  name: world
                  val_fraction: 0.05
                threads: 2
                """.formatted(d.resolve("clean/documents.jsonl").toAbsolutePath(),
                d.resolve("tokenizer/tokenizer.json").toAbsolutePath()));
        stratum("data", "prepare", "--recipe", tokenizeRecipe.toString(), "--out", d.resolve("shards").toString());

        header("Pretrain tiny-cpu on the shards");
        Path pretrainRun = d.resolve("runs/pretrain");
        stratum("pretrain", "--preset", "tiny-cpu", "--set", "model.vocab_size=" + vocab,
                "--set", "train.max_steps=" + o.pretrainSteps(),
                "--set", "optim.warmup_steps=" + Math.max(1, o.pretrainSteps() / 20),
                "--set", "eval.every=" + Math.max(1, o.pretrainSteps() / 4),
                "--set", "checkpoint.every=" + o.pretrainSteps(),
                "--tokenizer", d.resolve("tokenizer/tokenizer.json").toString(),
                "--data", d.resolve("shards").toString(), "--run-dir", pretrainRun.toString());

        header("Ask the pretrained model the held-out questions (greedy, chat template)");
        Answers before = ask(Checkpoints.resolve(pretrainRun), null, data.heldOut());
        report(before);

        header("LoRA-fine-tune on the instructions (base frozen, rank-16 adapters on every linear layer)");
        Path loraRun = d.resolve("runs/lora");
        // a model this small needs adapters on every linear layer and a brisk learning rate to pick the format up
        // in a couple of hundred steps; the preset's defaults are for real bases
        stratum("finetune", "--preset", "finetune-lora", "--base", pretrainRun.toString(),
                "--data", data.sftTrain().toString(), "--val", data.sftVal().toString(),
                "--set", "train.max_steps=" + o.finetuneSteps(),
                "--set", "eval.every=" + Math.max(1, o.finetuneSteps() / 4),
                "--set", "checkpoint.every=" + o.finetuneSteps(),
                "--set", "optim.warmup_steps=" + Math.max(1, o.finetuneSteps() / 20), "--set", "optim.lr=3e-3", "--set", "lora.r=16", "--set", "lora.alpha=32",
                "--set", "lora.target_modules=[c_attn,c_proj,c_fc]", "--run-dir", loraRun.toString());

        header("Ask again, with the LoRA adapter");
        Answers after = ask(Checkpoints.resolve(pretrainRun), Checkpoints.resolve(loraRun), data.heldOut());
        report(after);

        out.printf("%nheld-out questions answered with the right fact: %d/%d before fine-tuning, %d/%d after "
                        + "(%.0f%% -> %.0f%%)%n", before.correct(), before.total(), after.correct(), after.total(),
                100 * before.accuracy(), 100 * after.accuracy());
        out.printf("everything is in %s (%.1f minutes). Try:%n  ./stratum generate --checkpoint %s --adapter %s "
                        + "--chat --prompt \"%s\"%n", d, (System.nanoTime() - start) / 60e9, pretrainRun,
                Checkpoints.resolve(loraRun), data.heldOut().get(0).prompt());
        out.flush();
        return 0;
    }

    private void header(String title) {
        stage++;
        out.printf("%n== [%d/%d] %s%n", stage, STAGES, title);
        out.flush();
    }

    /** Runs one stratum command in this process, printed first as the user would type it. */
    private void stratum(String... args) {
        out.println("$ stratum " + String.join(" ", quoteAll(args)));
        out.flush();
        int code = Main.run(args, out, err);
        if (code != 0) {
            throw new UserException("quickstart stopped: 'stratum " + args[0] + (args.length > 1 ? " " + args[1] : "")
                    + "' exited with code " + code + " (its message is above)");
        }
    }

    private static List<String> quoteAll(String[] args) {
        List<String> q = new ArrayList<>();
        for (String a : args) {
            q.add(a.matches("[A-Za-z0-9_./=:,+-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return q;
    }

    /** Greedy answers to the held-out questions from a checkpoint, with an unmerged adapter when given. */
    static Answers ask(Path checkpoint, Path adapter, List<QuickstartData.HeldOut> questions) throws IOException {
        Tokenizer tokenizer = Tokenizer.load(checkpoint.resolve(Checkpoints.TOKENIZER));
        SftEncoder encoder = new SftEncoder(tokenizer, ChatTemplate.DEFAULT, false);
        int correct = 0;
        List<String[]> samples = new ArrayList<>();
        try (LanguageModel model = adapter == null ? new DecoderModel(DecoderModel.load(checkpoint, 1, Integer.MAX_VALUE))
                : LoraModel.open(checkpoint, adapter, 1, Integer.MAX_VALUE)) {
            Decoder gpt = model instanceof LoraModel lora ? lora.base() : ((DecoderModel) model).decoder();
            Sampler greedy = new Sampler(new Sampler.Settings(0, 0, 1.0), new SplittableRandom(0));
            for (QuickstartData.HeldOut q : questions) {
                int[] prompt = encoder.encodePrompt(List.of(new Message(Message.Role.USER, q.prompt())));
                int[] ids = Generator.generate(gpt, prompt, 24, encoder.turnEndId(), greedy, t -> { });
                String answer = tokenizer.decode(ids).strip();
                boolean right = answer.matches("(?s).*\\b" + java.util.regex.Pattern.quote(q.fact()) + "\\b.*");
                correct += right ? 1 : 0;
                if (samples.size() < 4) {
                    samples.add(new String[] {q.prompt(), answer, right ? "right" : "wrong: " + q.fact()});
                }
            }
        }
        return new Answers(correct, questions.size(), samples);
    }

    private void report(Answers a) {
        for (String[] s : a.samples()) {
            out.printf("  Q: %s%n  A: %s   [%s]%n", s[0], s[1].replace("\n", " "), s[2]);
        }
        out.printf("%d of %d held-out questions answered with the right fact%n", a.correct(), a.total());
        out.flush();
    }
}
