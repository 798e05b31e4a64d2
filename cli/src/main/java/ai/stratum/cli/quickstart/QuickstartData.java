package ai.stratum.cli.quickstart;

import ai.stratum.fixtures.web.SyntheticWeb;
import ai.stratum.fixtures.web.WordLists;
import ai.stratum.fixtures.world.SyntheticWorld;
import ai.stratum.fixtures.world.SyntheticWorld.Creature;
import ai.stratum.fixtures.world.SyntheticWorld.Instruction;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The quickstart's own data, generated from a seed: a web-like corpus about a {@link SyntheticWorld} (clean prose
 * plus the kinds of documents a pipeline must drop or fix: spam, near-duplicates, another language, personal data)
 * and an instruction set of questions about the same world. A fifth of the (creature, question kind) pairs are
 * held out of the instructions: the model can answer them only from what pretraining taught it.
 */
final class QuickstartData {

    /** A held-out question, the fact its answer must name, and the reference answer. */
    record HeldOut(String prompt, String fact, String response) {
    }

    /** What was generated. */
    record Generated(Path corpus, Path sftTrain, Path sftVal, List<HeldOut> heldOut, int cleanDocs, int noisyDocs) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private QuickstartData() {
    }

    static Generated write(Path dir, long seed, int creatures, int docs, int instructions) throws IOException {
        SyntheticWorld world = SyntheticWorld.create(seed, creatures, Math.max(2, creatures / 4));
        List<String[]> corpus = new ArrayList<>();
        List<String> prose = world.corpus(seed + 1, docs);
        for (int i = 0; i < prose.size(); i++) {
            corpus.add(new String[] {"world-" + i, prose.get(i)});
        }
        SyntheticWeb web = new SyntheticWeb(seed + 2);
        int noisy = 0;
        for (int i = 0; i < docs / 20; i++, noisy += 4) {
            corpus.add(new String[] {"spam-" + i, web.spam(25)});
            corpus.add(new String[] {"dup-" + i, web.nearDuplicate(prose.get(i), 0.02, WordLists.EN)});
            corpus.add(new String[] {"de-" + i, web.prose(WordLists.DE, 3)});
            corpus.add(new String[] {"pii-" + i, prose.get(prose.size() - 1 - i) + "\n\nWrite to " + web.email()
                    + " or visit the server at " + web.ipv4() + " for more stories."});
        }
        shuffle(corpus, new SplittableRandom(seed + 3));
        Path corpusFile = dir.resolve("raw/corpus.jsonl");
        Files.createDirectories(corpusFile.getParent());
        try (BufferedWriter w = Files.newBufferedWriter(corpusFile, StandardCharsets.UTF_8)) {
            for (String[] doc : corpus) {
                ObjectNode n = JSON.createObjectNode();
                n.put("id", doc[0]);
                n.put("text", doc[1]);
                w.write(JSON.writeValueAsString(n));
                w.write('\n');
            }
        }

        List<int[]> pairs = new ArrayList<>();
        for (int c = 0; c < world.creatures().size(); c++) {
            for (int k = 0; k < SyntheticWorld.QUESTION_KINDS; k++) {
                pairs.add(new int[] {c, k});
            }
        }
        shuffle(pairs, new SplittableRandom(seed + 4));
        int heldCount = pairs.size() / 5;
        List<HeldOut> heldOut = new ArrayList<>();
        for (int[] p : pairs.subList(0, heldCount)) {
            Creature c = world.creatures().get(p[0]);
            Instruction q = SyntheticWorld.question(c, p[1]);
            heldOut.add(new HeldOut(q.prompt(), SyntheticWorld.fact(c, p[1]), q.response()));
        }
        List<int[]> trainPairs = pairs.subList(heldCount, pairs.size());
        SplittableRandom rng = new SplittableRandom(seed + 5);
        Path train = dir.resolve("sft/train.jsonl");
        Path val = dir.resolve("sft/val.jsonl");
        Files.createDirectories(train.getParent());
        try (BufferedWriter w = Files.newBufferedWriter(train, StandardCharsets.UTF_8)) {
            for (int i = 0; i < instructions; i++) {
                int[] p = trainPairs.get(rng.nextInt(trainPairs.size()));
                writeExample(w, SyntheticWorld.question(world.creatures().get(p[0]), p[1]));
            }
        }
        try (BufferedWriter w = Files.newBufferedWriter(val, StandardCharsets.UTF_8)) {
            for (HeldOut h : heldOut) {
                writeExample(w, new Instruction(h.prompt(), h.response()));
            }
        }
        return new Generated(corpusFile, train, val, heldOut, prose.size(), noisy);
    }

    private static void writeExample(BufferedWriter w, Instruction i) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("prompt", i.prompt());
        n.put("response", i.response());
        w.write(JSON.writeValueAsString(n));
        w.write('\n');
    }

    private static <T> void shuffle(List<T> list, SplittableRandom rng) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }
}
