package ai.stratum.data.run;

import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.recipe.InputConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One unit of work of every executor: an input file of one source. Splits are numbered in recipe order (inputs
 * in order, each input's files sorted), and that number orders everything downstream: dedup keeps the first
 * document, and shards concatenate split by split.
 */
public record InputSplit(int index, InputConfig input, Path file) {
    public static List<InputSplit> of(DataRecipe recipe) throws IOException {
        List<InputSplit> splits = new ArrayList<>();
        for (InputConfig input : recipe.inputs()) {
            for (Path file : InputFiles.expand(input)) {
                splits.add(new InputSplit(splits.size(), input, file));
            }
        }
        return splits;
    }

    /** The split's file-name stem under {@code work/}: six digits. */
    public String stem() {
        return stem(index);
    }

    public static String stem(int index) {
        return String.format("%06d", index);
    }
}
