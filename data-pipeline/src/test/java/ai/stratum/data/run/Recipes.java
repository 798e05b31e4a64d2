package ai.stratum.data.run;

import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.recipe.DedupConfig;
import ai.stratum.data.recipe.FiltersConfig;
import ai.stratum.data.recipe.InputConfig;
import ai.stratum.data.recipe.OutputConfig;
import ai.stratum.data.recipe.PiiConfig;
import ai.stratum.data.recipe.TokenizerConfig;

import java.util.List;
import java.util.Map;

/** Recipes with the default filters for tests. */
final class Recipes {
    private Recipes() {
    }

    static DataRecipe of(List<InputConfig> inputs, Map<String, Double> mixture, long shardTokens, double val,
                         int threads) {
        return new DataRecipe(inputs, FiltersConfig.defaults(), DedupConfig.defaults(), PiiConfig.defaults(),
                mixture, new TokenizerConfig("bytes", null), new OutputConfig("test", shardTokens, val, true), 1234,
                threads);
    }

    static InputConfig input(String name, String format, String... paths) {
        return new InputConfig(name, format, List.of(paths), "text", "id");
    }
}
