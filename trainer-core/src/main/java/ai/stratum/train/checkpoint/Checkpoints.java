package ai.stratum.train.checkpoint;

import ai.stratum.hf.HfCheckpoint;
import ai.stratum.hf.HfConfig;
import ai.stratum.hf.Safetensors;
import ai.stratum.hf.WeightMap;
import ai.stratum.train.LanguageModel;
import ai.stratum.train.optim.AdamW;
import ai.stratum.io.AtomicFiles;
import ai.stratum.model.ModelConfig;
import ai.stratum.model.ParameterLayout;
import ai.stratum.model.TensorSpec;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A run's checkpoints: {@code RUN/checkpoints/step-N/} directories that Hugging Face loads as GPT-2
 * ({@code model.safetensors} with the layout's tensor names, {@code config.json}, {@code tokenizer.json} when the
 * run has one) plus what exact resume needs ({@code trainer_state.json}, {@code optimizer.safetensors} with each
 * trainable tensor's {@code .exp_avg} and {@code .exp_avg_sq}). A checkpoint is written into a temporary
 * directory, fsynced and renamed into place, so a crash leaves either the whole checkpoint or none; the
 * {@code RUN/latest} symlink then points at it and only the last {@code keep_last} are kept.
 */
public final class Checkpoints {

    public static final String MODEL = "model.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String STATE = "trainer_state.json";
    public static final String TOKENIZER = "tokenizer.json";
    /** Copied into every checkpoint from beside the run's tokenizer.json when present. */
    public static final List<String> TOKENIZER_SIDE_FILES = List.of("tokenizer_config.json",
            "generation_config.json", "special_tokens_map.json");
    public static final String LATEST = "latest";
    public static final String EXP_AVG = ".exp_avg";
    public static final String EXP_AVG_SQ = ".exp_avg_sq";

    private static final Pattern STEP_DIR = Pattern.compile("step-(\\d+)");
    static final ObjectMapper STATE_JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final Path runDir;
    private final int keepLast;

    public Checkpoints(Path runDir, int keepLast) {
        this.runDir = runDir;
        this.keepLast = keepLast;
    }

    public Path directory() {
        return runDir.resolve("checkpoints");
    }

    /** A checkpoint directory as given, or a run directory standing for its {@code latest} checkpoint. */
    public static Path resolve(Path checkpointOrRun) {
        boolean isCheckpoint = Files.isRegularFile(checkpointOrRun.resolve(HfConfig.FILE));
        return !isCheckpoint && Files.isDirectory(checkpointOrRun.resolve(LATEST))
                ? checkpointOrRun.resolve(LATEST) : checkpointOrRun;
    }

    /** The checkpoint directories on disk, oldest step first. */
    public List<Path> list() throws IOException {
        if (!Files.isDirectory(directory())) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(directory())) {
            return dirs.filter(p -> STEP_DIR.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p))
                    .sorted(Comparator.comparingLong(Checkpoints::stepOf)).toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static long stepOf(Path dir) {
        Matcher m = STEP_DIR.matcher(dir.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * Writes checkpoint {@code step-<state.step>} atomically (the model's weights as {@link
     * LanguageModel#saveWeights} lays them out, the optimizer's moments, the trainer state and the tokenizer),
     * points {@code latest} at it and prunes old ones.
     */
    public Path save(TrainerState state, LanguageModel model, AdamW adam, int eosTokenId, Path tokenizerJson)
            throws IOException {
        Files.createDirectories(directory());
        Path tmp = Files.createDirectory(AtomicFiles.uniqueSibling(directory(), ".tmp-step-" + state.step(), ""));
        try {
            model.saveWeights(tmp, eosTokenId);
            List<Safetensors.Source> moments = new ArrayList<>(
                    Safetensors.sources(adam.trainable().stateLayout(), adam.m(), EXP_AVG));
            moments.addAll(Safetensors.sources(adam.trainable().stateLayout(), adam.v(), EXP_AVG_SQ));
            Safetensors.write(tmp.resolve(OPTIMIZER), moments, Map.of("adam_steps", Long.toString(adam.stepsTaken())));
            AtomicFiles.writeString(tmp.resolve(STATE), STATE_JSON.writeValueAsString(state));
            if (tokenizerJson != null) {
                byte[] bytes = Files.readAllBytes(tokenizerJson);
                AtomicFiles.writeBytes(tmp.resolve(TOKENIZER), bytes);
                // the files that travel with a tokenizer.json (chat template, bos/eos, generation stop ids)
                Path dir = tokenizerJson.toAbsolutePath().getParent();
                for (String side : TOKENIZER_SIDE_FILES) {
                    if (dir != null && Files.isRegularFile(dir.resolve(side))) {
                        AtomicFiles.writeBytes(tmp.resolve(side), Files.readAllBytes(dir.resolve(side)));
                    }
                }
            }
            AtomicFiles.fsyncDirectory(tmp);
            Path target = directory().resolve("step-" + state.step());
            if (Files.exists(target)) {
                Path old = AtomicFiles.uniqueSibling(directory(), ".old-step-" + state.step(), "");
                Files.move(target, old);
                deleteRecursively(old);
            }
            AtomicFiles.moveAtomically(tmp, target);
            AtomicFiles.fsyncDirectory(directory());
            pointLatestAt(target);
            prune();
            return target;
        } finally {
            if (Files.exists(tmp)) {
                deleteRecursively(tmp);
            }
        }
    }

    /**
     * Deletes what a crash in the middle of {@link #save} leaves behind: {@code .tmp-step-*} and
     * {@code .old-step-*} directories, never a complete {@code step-N}.
     */
    public void removeUnfinished(Consumer<String> report) throws IOException {
        if (!Files.isDirectory(directory())) {
            return;
        }
        List<Path> leftovers;
        try (Stream<Path> dirs = Files.list(directory())) {
            leftovers = dirs.filter(p -> p.getFileName().toString().startsWith(".tmp-step-")
                    || p.getFileName().toString().startsWith(".old-step-")).sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        for (Path p : leftovers) {
            deleteRecursively(p);
            report.accept("removed " + p.getFileName() + ", a checkpoint left unfinished by an interrupted run");
        }
    }

    private void pointLatestAt(Path checkpoint) throws IOException {
        Path link = runDir.resolve(LATEST);
        Path tmp = runDir.resolve("." + LATEST + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, runDir.relativize(checkpoint));
        AtomicFiles.moveAtomically(tmp, link);
        AtomicFiles.fsyncDirectory(runDir);
    }

    private void prune() throws IOException {
        List<Path> all = list();
        for (int i = 0; i < all.size() - keepLast; i++) {
            deleteRecursively(all.get(i));
        }
    }

    /** {@link #latestValid(LanguageModel, ModelConfig, Consumer)} for a run of {@code model}'s own config. */
    public Optional<Path> latestValid(LanguageModel model, Consumer<String> report) throws IOException {
        return latestValid(model, model.config(), report);
    }

    /**
     * The newest intact checkpoint of a run whose model is {@code expected}: its {@code trainer_state.json} reads,
     * names its own step (the {@code step-N} directory) and a run of {@code expected}; its weights pass {@link
     * LanguageModel#validateWeights} (every tensor present with its shape) and its optimizer header reads. Newer
     * damaged ones are reported through {@code report} and renamed to {@code step-N.invalid}, so that they are
     * neither resumed nor kept in place of good ones. A checkpoint whose trainer state names another model config
     * is not damage but a wrong config: that is an error naming the keys that differ, and nothing is moved. A
     * checkpoint whose tensors do not fit the model (missing, other shapes, another adapter config) is damage when
     * an older checkpoint fits; when none does, the run was made with another config: an error, nothing moved.
     */
    public Optional<Path> latestValid(LanguageModel model, ModelConfig expected, Consumer<String> report)
            throws IOException {
        List<Path> all = new ArrayList<>(list());
        // tensors missing or of other shapes: damage when an older checkpoint fits the model, else another config
        Map<Path, IllegalArgumentException> unfit = new java.util.LinkedHashMap<>();
        for (int i = all.size() - 1; i >= 0; i--) {
            Path dir = all.get(i);
            String previous = i > 0 ? "; trying the previous one" : "";
            TrainerState state;
            try {
                state = readState(dir);
            } catch (IOException e) {
                moveAside(dir, e.getMessage() + previous, report);
                continue;
            }
            if (!state.config().model().equals(expected)) {
                throw new IllegalArgumentException("model: the checkpoint " + dir + " was made with "
                        + differences(state.config().model(), expected) + "; resume with the run's saved config");
            }
            if (state.step() != stepOf(dir)) {
                moveAside(dir, dir.resolve(STATE) + " says step " + state.step() + " but the directory is "
                        + dir.getFileName() + previous, report);
                continue;
            }
            try {
                model.validateWeights(dir);
                Safetensors.readHeader(dir.resolve(OPTIMIZER));
            } catch (IOException e) {
                moveAside(dir, e.getMessage() + previous, report);
                continue;
            } catch (IllegalArgumentException e) {
                unfit.put(dir, e);
                continue;
            }
            for (Map.Entry<Path, IllegalArgumentException> bad : unfit.entrySet()) {
                moveAside(bad.getKey(), bad.getValue().getMessage() + "; trying the previous one", report);
            }
            return Optional.of(dir);
        }
        if (!unfit.isEmpty()) {
            IllegalArgumentException first = unfit.values().iterator().next();
            throw new IllegalArgumentException("model: " + first.getMessage() + "; no checkpoint of the run fits: "
                    + "the run was made with another model config: resume with the run's saved config", first);
        }
        return Optional.empty();
    }

    /**
     * Renames a damaged checkpoint to {@code step-N.invalid} (or {@code .invalid2}, ...) so that it is neither
     * resumed nor pruned in place of a good one, and reports why.
     */
    public static void moveAside(Path dir, String why, Consumer<String> report) throws IOException {
        Path aside = dir.resolveSibling(dir.getFileName() + ".invalid");
        for (int k = 2; Files.exists(aside); k++) {
            aside = dir.resolveSibling(dir.getFileName() + ".invalid" + k);
        }
        Files.move(dir, aside);
        report.accept("checkpoint " + dir + " is invalid and was moved to " + aside.getFileName() + ": " + why);
    }

    /** The keys whose values differ, as {@code model.KEY A in the checkpoint, B in the config}. */
    static String differences(ModelConfig stored, ModelConfig expected) {
        List<String> out = new ArrayList<>();
        for (java.lang.reflect.RecordComponent c : ModelConfig.class.getRecordComponents()) {
            try {
                Object a = c.getAccessor().invoke(stored);
                Object b = c.getAccessor().invoke(expected);
                if (!java.util.Objects.equals(a, b)) {
                    String key = c.getName().replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
                    out.add("model." + key + " " + a + " (the config asks for " + b + ")");
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return String.join(", ", out);
    }

    /**
     * Checks a checkpoint directory without loading it: it is intact ({@link #checkIntegrity}, an
     * {@link IOException} otherwise) and holds every tensor of {@code layout} with its shape (an
     * {@link IllegalArgumentException} otherwise).
     */
    public static void validate(Path dir, ParameterLayout layout) throws IOException {
        checkIntegrity(dir);
        checkCompatible(dir, layout);
    }

    /**
     * The files are whole: {@code config.json} is a GPT-2 config and {@code model.safetensors} has a valid header
     * whose sizes and offsets match the file.
     */
    public static void checkIntegrity(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": no such checkpoint directory");
        }
        HfConfig.read(dir);
        HfCheckpoint.open(dir);
    }

    /** {@code model.safetensors} holds every tensor of {@code layout} with its shape; names the first that does not. */
    public static void checkCompatible(Path dir, ParameterLayout layout) throws IOException {
        WeightMap map = HfCheckpoint.mapOf(dir);
        HfCheckpoint.checkCompatible(HfCheckpoint.open(dir), map);
        for (TensorSpec t : layout.tensors()) {
            if (!map.layout().contains(t.name())
                    || !Arrays.equals(map.layout().get(t.name()).shape(), t.shape())) {
                throw new IllegalArgumentException(dir.resolve(HfConfig.FILE) + ": describes a model without "
                        + t.name() + " " + Arrays.toString(t.shape()) + "; the run's model needs it");
            }
        }
    }

    public static TrainerState readState(Path dir) throws IOException {
        Path file = dir.resolve(STATE);
        try {
            return STATE_JSON.readValue(file.toFile(), TrainerState.class);
        } catch (IOException e) {
            throw new IOException(file + ": cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * Fills {@code params} (laid out by {@code layout}, {@link ParameterLayout#decoder}'s) from the checkpoint's
     * weights, ours or a Hugging Face directory of any supported family, through the family's {@link WeightMap}.
     */
    public static void loadParams(Path dir, ParameterLayout layout, INDArray params) throws IOException {
        HfCheckpoint.load(dir, HfCheckpoint.mapOf(dir), layout, params);
    }

    /** Restores AdamW's moments and step count; the checkpoint must cover exactly the same trainable tensors. */
    public static void loadOptimizer(Path dir, AdamW adam) throws IOException {
        Safetensors.Header header = Safetensors.readHeader(dir.resolve(OPTIMIZER));
        ParameterLayout state = adam.trainable().stateLayout();
        if (header.tensors().size() != 2 * state.tensors().size()) {
            throw new IOException(dir.resolve(OPTIMIZER) + ": holds moments for " + header.tensors().size() / 2
                    + " tensors but " + state.tensors().size() + " are trainable; was it written by another "
                    + "fine-tuning method?");
        }
        for (TensorSpec t : state.tensors()) {
            Safetensors.readInto(header, t.name() + EXP_AVG, t.shape(), adam.m(), t.offset());
            Safetensors.readInto(header, t.name() + EXP_AVG_SQ, t.shape(), adam.v(), t.offset());
        }
        String steps = header.metadata().get("adam_steps");
        if (steps == null || !steps.matches("\\d+")) {
            throw new IOException(dir.resolve(OPTIMIZER) + ": metadata has no adam_steps count");
        }
        adam.restoreStepsTaken(Long.parseLong(steps));
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
