package ai.stratum.generate;

import ai.stratum.hf.BaseModel;
import ai.stratum.hf.HfConfig;
import ai.stratum.model.Decoder;
import ai.stratum.tokenizer.Tokenizer;
import ai.stratum.train.sft.ChatEncoder;
import ai.stratum.train.sft.Message;
import ai.stratum.train.sft.SftJsonl;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Synthetic SFT data from a teacher model: every request of a {@link PromptFile} answered by batched generation
 * ({@link BatchGenerator}) and appended to an {@link AnswerLog} as soon as it finishes, one SFT JSONL line each
 * ({@code messages}: the request's conversation plus the assistant's answer, which {@code stratum finetune} reads as
 * is) with its {@code id} and a {@code generator} object: the teacher's identity, the exact settings and seed, why
 * it stopped and the token counts. A rerun skips the ids already answered.
 */
public final class SyntheticData {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SyntheticData() {
    }

    /** The command's sampling defaults; a request's own keys override them. */
    public record Defaults(int maxNewTokens, double temperature, int topK, double topP, long seed) {
        public Defaults {
            if (maxNewTokens < 0) {
                throw new IllegalArgumentException("max-new-tokens: must be >= 0, got " + maxNewTokens);
            }
            new Sampler.Settings(temperature, topK, topP);
        }
    }

    /**
     * How a run went.
     *
     * @param skipped        requests already answered in the output (a resumed run)
     * @param truncatedBytes a partial last line (a killed run's) removed from the output
     */
    public record Summary(int requests, int skipped, int answered, long truncatedBytes, BatchGenerator.Stats stats,
                          long wallNanos) {

        /** One line: requests, prefill and decode tokens/s. */
        public String line() {
            return String.format(Locale.ROOT, "generate: %d requests (%d answered now, %d already), prefill %d "
                            + "tokens at %.1f tok/s, decode %d tokens at %.1f tok/s, %.1f s", requests, answered,
                    skipped, stats.prefillTokens(), stats.prefillTokensPerSecond(), stats.decodeTokens(),
                    stats.decodeTokensPerSecond(), wallNanos / 1e9);
        }
    }

    /**
     * The teacher's identity for the output's {@code generator} object: its directory, its config's family and
     * name, the SHA-256 of its config and weights ({@link BaseModel#fingerprint}) and of the adapter's files, and
     * the prompt template.
     */
    public static ObjectNode teacher(Path base, Path adapter, String template) throws IOException {
        ObjectNode t = JSON.createObjectNode();
        t.put("model", base.toString());
        t.put("family", HfConfig.parse(base).family().modelType());
        JsonNode config = JSON.readTree(base.resolve(HfConfig.FILE).toFile());
        String name = config.path("_name_or_path").asText("");
        t.put("name", name.isEmpty() ? String.valueOf(base.toAbsolutePath().normalize().getFileName()) : name);
        t.put("weights_sha256", BaseModel.fingerprint(base));
        if (adapter != null) {
            t.put("adapter", adapter.toString());
            t.put("adapter_sha256", sha256(adapter.resolve("adapter_config.json"),
                    adapter.resolve("adapter_model.safetensors")));
        }
        t.put("template", template);
        return t;
    }

    private static String sha256(Path... files) throws IOException {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            for (Path f : files) {
                sha.update(Files.readAllBytes(f));
            }
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The seed of a request without its own: a pure function of the default seed and the request's id, so it does
     * not depend on the request's place in the file or on the batch.
     */
    public static long seedFor(long defaultSeed, String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return new SplittableRandom(defaultSeed ^ h).nextLong() & Long.MAX_VALUE;
    }

    /**
     * A prompt file read and turned into generation requests, before any model is loaded (so a bad line fails
     * fast): the entries, and per entry its request and exact settings.
     */
    public record Prepared(Path prompts, List<PromptFile.Entry> entries, List<BatchGenerator.Request> requests,
                           List<ObjectNode> settings) {
    }

    /**
     * Reads {@code prompts} and encodes every request.
     *
     * @param chat the chat template that renders conversations and gives the stop ids; null continues each
     *             {@code prompt} as raw text, stopping at {@code endOfText} (then {@code messages} are refused)
     */
    public static Prepared prepare(Path prompts, Tokenizer tokenizer, ChatEncoder chat, int endOfText,
                                   Defaults defaults) throws IOException {
        List<PromptFile.Entry> entries = PromptFile.read(prompts);
        List<BatchGenerator.Request> requests = new ArrayList<>();
        List<ObjectNode> settings = new ArrayList<>();
        for (PromptFile.Entry e : entries) {
            ObjectNode s = JSON.createObjectNode();
            requests.add(request(prompts, e, tokenizer, chat, endOfText, defaults, s));
            settings.add(s);
        }
        return new Prepared(prompts, entries, requests, settings);
    }

    /**
     * Answers every prepared request not yet in {@code out}.
     *
     * @param teacher {@link #teacher}, copied into every line's {@code generator}
     */
    public static Summary run(Decoder model, Tokenizer tokenizer, Prepared prepared, ObjectNode teacher, Path out,
                              int batch, int prefillRows, PrintWriter log) throws IOException {
        long t0 = System.nanoTime();
        List<PromptFile.Entry> entries = prepared.entries();
        try (AnswerLog answers = new AnswerLog(out)) {
            if (answers.truncatedBytes() > 0) {
                log.printf("%s: removed a partial last line (%d bytes) left by an interrupted run%n", out,
                        answers.truncatedBytes());
            }
            Set<String> done = answers.done();
            List<Integer> todo = new ArrayList<>();
            List<BatchGenerator.Request> requests = new ArrayList<>();
            for (int i = 0; i < entries.size(); i++) {
                if (!done.contains(entries.get(i).key())) {
                    todo.add(i);
                    requests.add(prepared.requests().get(i));
                }
            }
            int skipped = entries.size() - todo.size();
            log.printf("generate: %d requests in %s, %d already answered in %s, %d to go (batch %d)%n",
                    entries.size(), prepared.prompts(), skipped, out, todo.size(), batch);
            log.flush();
            int[] answered = {0};
            BatchGenerator.Stats stats = BatchGenerator.generate(model, requests, batch, prefillRows, r -> {
                int i = todo.get(r.request());
                PromptFile.Entry e = entries.get(i);
                ObjectNode line = JSON.createObjectNode();
                line.set("id", e.id());
                ArrayNode messages = line.putArray("messages");
                for (Message m : e.conversation()) {
                    messages.addObject().put("role", m.role().name().toLowerCase(Locale.ROOT))
                            .put("content", m.content());
                }
                messages.addObject().put("role", "assistant").put("content", tokenizer.decode(r.tokens()));
                ObjectNode g = line.putObject("generator");
                g.setAll(teacher);
                g.set("settings", prepared.settings().get(i));
                g.put("finish_reason", r.stopped() ? "stop" : "length");
                g.put("prompt_tokens", requests.get(r.request()).prompt().length);
                g.put("completion_tokens", r.tokens().length);
                try {
                    answers.append(line);
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
                answered[0]++;
                if (answered[0] % 50 == 0 || answered[0] == todo.size()) {
                    log.printf("generate: %d/%d answered%n", answered[0], todo.size());
                    log.flush();
                }
            });
            return new Summary(entries.size(), skipped, answered[0], answers.truncatedBytes(), stats,
                    System.nanoTime() - t0);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The generation request of one entry; its exact settings go into {@code settings}. */
    private static BatchGenerator.Request request(Path file, PromptFile.Entry e, Tokenizer tokenizer, ChatEncoder chat,
                                                  int endOfText, Defaults d, ObjectNode settings) {
        try {
            int maxNew = e.maxNewTokens() != null ? e.maxNewTokens() : d.maxNewTokens();
            Sampler.Settings s = new Sampler.Settings(e.temperature() != null ? e.temperature() : d.temperature(),
                    e.topK() != null ? e.topK() : d.topK(), e.topP() != null ? e.topP() : d.topP());
            long seed = e.seed() != null ? e.seed() : seedFor(d.seed(), e.key());
            int[] ids;
            int[] stops;
            if (chat != null) {
                ids = chat.encodePrompt(e.conversation());
                stops = chat.stopIds();
            } else {
                if (e.messages() != null) {
                    throw new IllegalArgumentException("'messages' needs --chat (the model's chat template renders "
                            + "them); without it a request is a raw 'prompt' to continue");
                }
                ids = e.prompt().isEmpty() ? new int[] {endOfText} : tokenizer.encodeOrdinary(e.prompt());
                stops = new int[] {endOfText};
            }
            settings.put("max_new_tokens", maxNew);
            settings.put("temperature", s.temperature());
            settings.put("top_k", s.topK());
            settings.put("top_p", s.topP());
            settings.put("seed", seed);
            settings.put("chat", chat != null);
            return new BatchGenerator.Request(ids, maxNew, stops, new Sampler(s, new SplittableRandom(seed)));
        } catch (IllegalArgumentException ex) {
            throw new SftJsonl.FormatException(file, e.line(), ex.getMessage());
        }
    }
}
