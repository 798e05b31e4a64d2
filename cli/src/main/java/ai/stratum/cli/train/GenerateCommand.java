package ai.stratum.cli.train;

import ai.stratum.tokenizer.Tokenizer;
import ai.stratum.generate.Generator;
import ai.stratum.generate.BatchGenerator;
import ai.stratum.generate.SyntheticData;
import ai.stratum.cli.UserException;
import ai.stratum.train.LanguageModel;
import ai.stratum.hf.HfConfig;
import ai.stratum.generate.Sampler;
import ai.stratum.train.sft.ChatTemplate;
import ai.stratum.train.sft.Message;
import ai.stratum.train.sft.BaseTemplateEncoder;
import ai.stratum.train.sft.ChatEncoder;
import ai.stratum.train.MemoryEstimate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code stratum generate}: sample a continuation of a prompt from a checkpoint; with {@code --prompts}, answer a
 * prompt file by batched generation into SFT JSONL (synthetic data, {@link SyntheticData}).
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Continue a prompt with a checkpoint's model (printed as it is generated).",
                "With --prompts FILE.jsonl --out FILE.jsonl: answer every request ({\"id\", \"prompt\"} or "
                        + "{\"id\", \"messages\"}, optional max_new_tokens, temperature, top_k, top_p, seed) by "
                        + "batched generation, appending SFT JSONL (messages + the answer, id, generator) that "
                        + "stratum finetune reads; a rerun skips the ids already answered."})
public final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"--checkpoint", "--model"}, paramLabel = "DIR",
            description = "e.g. runs/NAME/latest; with --adapter, the base (default: the adapter's base_model_name_or_path).")
    Path checkpoint;

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "A LoRA adapter (e.g. runs/NAME/latest of a LoRA fine-tune), applied unmerged over the base.")
    Path adapter;

    @Option(names = "--chat", description = "Wrap the prompt as a user turn in the model's own chat_template "
            + "(tokenizer_config.json), else Stratum's special-token template, and print the assistant's answer, "
            + "stopping at the end-of-turn or eos ids (generation_config.json may list several).")
    boolean chat;

    @Option(names = "--prompt", paramLabel = "TEXT",
            description = "The text to continue (empty: start from the end-of-text token).")
    String prompt;

    @Option(names = "--prompts", paramLabel = "FILE",
            description = "A JSONL file of requests to answer in batches (instead of --prompt); needs --out.")
    Path prompts;

    @Option(names = "--out", paramLabel = "FILE",
            description = "With --prompts: the SFT JSONL to append answers to (a rerun resumes it).")
    Path out;

    @Option(names = "--batch", defaultValue = "8",
            description = "With --prompts: sequences decoded together. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--prefill-rows", defaultValue = "128",
            description = "With --prompts: prompt tokens per prefill forward. Default: ${DEFAULT-VALUE}.")
    int prefillRows;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "tokenizer.json (default: the adapter's, else the checkpoint's own tokenizer).")
    Path tokenizer;

    @Option(names = "--max-new-tokens", defaultValue = "100", description = "Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0.8", description = "0 is greedy. Default: ${DEFAULT-VALUE}.")
    double temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "0 keeps every token. Default: ${DEFAULT-VALUE}.")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Nucleus probability. Default: ${DEFAULT-VALUE}.")
    double topP;

    @Option(names = "--seed", defaultValue = "1337", description = "Sampling seed; with --prompts, a request without its own seed gets one derived from "
            + "this and its id. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Override
    public Integer call() throws IOException {
        if (maxNewTokens < 0) {
            throw new ParameterException(spec.commandLine(), "--max-new-tokens: must be 0 or more, got " + maxNewTokens);
        }
        checkpoint = Models.resolve(checkpoint);
        adapter = Models.resolve(adapter);
        if ((prompt == null) == (prompts == null)) {
            throw new UserException("generate: pass --prompt TEXT, or --prompts FILE.jsonl --out FILE.jsonl");
        }
        if (prompts != null) {
            return answerPromptFile();
        }
        MemoryEstimate.Keys keys = new MemoryEstimate.Keys("batch", "--max-new-tokens (or the prompt)");
        // reads config.json first, so that a damaged one is named
        Models.checkMemory(checkpoint, adapter, 1, 1, keys);
        Sampler sampler = new Sampler(new Sampler.Settings(temperature, topK, topP), new SplittableRandom(seed));
        Tokenizer tok = Models.tokenizer(tokenizer, checkpoint, adapter);
        int eos = HfConfig.eosTokenId(Models.base(checkpoint, adapter));
        int[] ids;
        int[] stop;
        PrintWriter out = spec.commandLine().getOut();
        if (chat) {
            // the model's own chat_template (the adapter's or checkpoint's tokenizer_config.json) when it has one,
            // as fine-tuning used it; else Stratum's special-token template
            Path templateDir = adapter != null && BaseTemplateEncoder.hasTemplate(adapter) ? adapter
                    : Models.base(checkpoint, adapter);
            ChatEncoder encoder = ChatEncoder.forBase(templateDir, "auto", tok, ChatTemplate.DEFAULT, false);
            ids = encoder.encodePrompt(List.of(new Message(Message.Role.USER, prompt)));
            stop = encoder.stopIds();
        } else {
            ids = prompt.isEmpty() ? new int[]{eos} : tok.encodeOrdinary(prompt);
            stop = new int[]{eos};
            out.print(prompt);
            out.flush();
        }
        // buffers for the sequence this run makes, not for the whole context window (131072 positions for Llama
        // 3.2: terabytes of activations); the KV-cached session holds at most that many positions too
        int length = ids.length + maxNewTokens;
        try (LanguageModel model = Models.openChecked(checkpoint, adapter, 1, length, keys)) {
            StreamingDecoder decoder = new StreamingDecoder(tok, out);
            Generator.generate(Models.decoder(model), ids, maxNewTokens, stop, sampler, decoder::accept);
            decoder.finish();
        }
        out.println();
        out.flush();
        return 0;
    }

    /** {@code --prompts}: every request of the file answered by batched generation into {@code --out}. */
    private int answerPromptFile() throws IOException {
        if (out == null) {
            throw new UserException("--out: with --prompts, name the SFT JSONL file to write the answers to");
        }
        if (batch < 1 || prefillRows < 1) {
            throw new UserException("--batch and --prefill-rows: must be at least 1, got " + batch + " and "
                    + prefillRows);
        }
        SyntheticData.Defaults defaults = new SyntheticData.Defaults(maxNewTokens, temperature, topK, topP, seed);
        MemoryEstimate.Keys keys = new MemoryEstimate.Keys("batch", "prefill-rows");
        int rows = Math.max(batch, prefillRows);
        Models.checkMemory(checkpoint, adapter, 1, rows, keys);
        Tokenizer tok = Models.tokenizer(tokenizer, checkpoint, adapter);
        Path base = Models.base(checkpoint, adapter);
        int eos = HfConfig.eosTokenId(base);
        ChatEncoder encoder = null;
        if (chat) {
            Path templateDir = adapter != null && BaseTemplateEncoder.hasTemplate(adapter) ? adapter : base;
            encoder = ChatEncoder.forBase(templateDir, "auto", tok, ChatTemplate.DEFAULT, false);
        }
        SyntheticData.Prepared prepared = SyntheticData.prepare(prompts, tok, encoder, eos, defaults);
        PrintWriter log = spec.commandLine().getOut();
        var teacher = SyntheticData.teacher(base, adapter, encoder == null ? "none (raw continuation)"
                : encoder.describe());
        try (LanguageModel model = Models.openFinite(checkpoint, adapter, 1, rows)) {   // memory checked above
            long cache = BatchGenerator.cacheBytes(model.config(), prepared.requests(), batch, Float.BYTES);
            long available = MemoryEstimate.available();
            if (cache > available) {
                throw new UserException(String.format(java.util.Locale.ROOT, "--batch: the key/value cache of %d "
                        + "sequences of up to %s tokens needs %.2f GiB but only %.2f GiB are available; lower --batch "
                        + "(or max_new_tokens, or the prompts' length)", Math.min(batch, prepared.requests().size()),
                        "prompt + max_new_tokens", cache / (double) (1L << 30), available / (double) (1L << 30)));
            }
            SyntheticData.Summary s = SyntheticData.run(Models.decoder(model), tok, prepared, teacher, out, batch,
                    Math.min(prefillRows, model.config().contextLength()), log);
            log.println(s.line());
        }
        log.flush();
        return 0;
    }

    /** Prints text as tokens arrive, holding back bytes that do not yet form whole UTF-8 characters. */
    static final class StreamingDecoder {
        private final Tokenizer tokenizer;
        private final PrintWriter out;
        private int[] ids = new int[16];
        private int count;
        private int printedChars;

        StreamingDecoder(Tokenizer tokenizer, PrintWriter out) {
            this.tokenizer = tokenizer;
            this.out = out;
        }

        void accept(int id) {
            if (count == ids.length) {
                ids = Arrays.copyOf(ids, 2 * count);
            }
            ids[count++] = id;
            String text = tokenizer.decode(Arrays.copyOf(ids, count));
            int complete = text.endsWith("\uFFFD") ? text.length() - 1 : text.length();
            if (complete > printedChars) {
                out.print(text.substring(printedChars, complete));
                out.flush();
                printedChars = complete;
            }
        }

        void finish() {
            String text = tokenizer.decode(Arrays.copyOf(ids, count));
            if (text.length() > printedChars) {
                out.print(text.substring(printedChars));
            }
        }
    }
}
