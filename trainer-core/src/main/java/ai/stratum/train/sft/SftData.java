package ai.stratum.train.sft;

import ai.stratum.train.data.BatchSource;
import ai.stratum.train.data.DataPosition;
import ai.stratum.util.Seeds;
import ai.stratum.train.data.TrainingData;

import java.util.List;
import java.util.zip.CRC32;

/**
 * Fine-tuning data: packed SFT rows for training (shuffled per epoch) and, optionally, for validation (every
 * row once per evaluation, masked loss as in training).
 *
 * @param name  the training file's name, for messages and the resume check
 * @param train packed training rows
 * @param val   packed validation rows; empty without a validation file
 * @param padId the token that fills padding positions
 */
public record SftData(String name, List<SequencePacker.Row> train, List<SequencePacker.Row> val, int padId)
        implements TrainingData {

    static final long ORDER_STREAM = 0x5F7DA7AL;

    public SftData {
        train = List.copyOf(train);
        val = List.copyOf(val);
    }

    @Override
    public BatchSource openTrain(int batch, int seqLen, int vocabSize, long seed, DataPosition start) {
        checkLength(train, seqLen);
        return new SftBatchSource(train, batch, Seeds.derive(seed, ORDER_STREAM), true, padId, start);
    }

    @Override
    public boolean hasValidation() {
        return !val.isEmpty();
    }

    @Override
    public BatchSource openValidation(int batch, int seqLen, int vocabSize) {
        checkLength(val, seqLen);
        return new SftBatchSource(val, batch, 0, false, padId, DataPosition.START);
    }

    /** One pass over the validation rows, unless {@code eval.steps} asks for fewer batches. */
    @Override
    public int evalSteps(int configured, BatchSource validation) {
        return Math.min(configured, ((SftBatchSource) validation).batchesPerPass());
    }

    private static void checkLength(List<SequencePacker.Row> rows, int seqLen) {
        if (!rows.isEmpty() && rows.get(0).tokens().length != seqLen) {
            throw new IllegalArgumentException("seq_len: the SFT rows were packed to " + rows.get(0).tokens().length
                    + " tokens but train.seq_len is " + seqLen);
        }
    }

    /** The file name, the row count and a CRC-32 of every row's tokens, targets and segments. */
    @Override
    public List<String> identity() {
        CRC32 crc = new CRC32();
        for (SequencePacker.Row r : train) {
            for (int[] a : List.of(r.tokens(), r.targets(), r.segments())) {
                for (int x : a) {
                    crc.update(x);
                    crc.update(x >>> 8);
                    crc.update(x >>> 16);
                    crc.update(x >>> 24);
                }
            }
        }
        return List.of(String.format("sft:%s:%d rows:crc32 %08x", name, train.size(), crc.getValue()));
    }

    @Override
    public String describe() {
        return name;
    }
}
