package ai.stratum.train.data;

import ai.stratum.util.Seeds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Pretraining data: the token shards of a {@link ShardSet}, shuffled for training and in file order for validation. */
public record ShardData(ShardSet shards) implements TrainingData {

    /** Separates the data-order seed from the run seed's other uses. */
    static final long ORDER_STREAM = 0x5EEDDA7AL;

    @Override
    public BatchSource openTrain(int batch, int seqLen, int vocabSize, long seed, DataPosition start)
            throws IOException {
        return ShardSampler.open(shards.train(), batch, seqLen, vocabSize, Seeds.derive(seed, ORDER_STREAM), true,
                start);
    }

    @Override
    public boolean hasValidation() {
        return !shards.val().isEmpty();
    }

    @Override
    public BatchSource openValidation(int batch, int seqLen, int vocabSize) throws IOException {
        return ShardSampler.open(shards.val(), batch, seqLen, vocabSize, 0, false, DataPosition.START);
    }

    @Override
    public int evalSteps(int configured, BatchSource validation) {
        return configured;
    }

    /**
     * Each train shard's file name and the CRC-32 of its tokens: a resume refuses data whose content changed under
     * the same names.
     */
    @Override
    public List<String> identity() {
        List<String> out = new ArrayList<>();
        for (Path p : shards.train()) {
            try (TokenShard shard = TokenShard.open(p)) {
                out.add(String.format("%s crc32 %08x", p.getFileName(), shard.summary().crc32()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    @Override
    public String describe() {
        return shards.dir().toString();
    }
}
