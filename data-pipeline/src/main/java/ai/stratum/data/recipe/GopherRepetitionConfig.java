package ai.stratum.data.recipe;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * Gopher repetition rules (Rae et al. 2021, table A1) with datatrove's defaults. {@code top_n_grams} and
 * {@code dup_n_grams} are lists of {@code [n, max_fraction]}; a fraction of 0 disables a rule. (Their keys are
 * spelled out because snake_case naming would turn {@code topNGrams} into {@code top_ngrams}.)
 */
public record GopherRepetitionConfig(boolean enabled, double dupLineFrac, double dupParaFrac, double dupLineCharFrac,
                                     double dupParaCharFrac,
                                     @JsonProperty("top_n_grams") List<List<Double>> topNGrams,
                                     @JsonProperty("dup_n_grams") List<List<Double>> dupNGrams) {
    public GopherRepetitionConfig {
        Checks.fraction("dup_line_frac", dupLineFrac);
        Checks.fraction("dup_para_frac", dupParaFrac);
        Checks.fraction("dup_line_char_frac", dupLineCharFrac);
        Checks.fraction("dup_para_char_frac", dupParaCharFrac);
        topNGrams = pairs("top_n_grams", topNGrams);
        dupNGrams = pairs("dup_n_grams", dupNGrams);
    }

    private static List<List<Double>> pairs(String key, List<List<Double>> pairs) {
        if (pairs == null) {
            throw new IllegalArgumentException(key + ": must be a list of [n, max_fraction] pairs (may be empty)");
        }
        for (List<Double> p : pairs) {
            if (p == null || p.size() != 2 || p.get(0) == null || p.get(1) == null || p.get(0) < 1
                    || p.get(0) != Math.rint(p.get(0)) || !(p.get(1) >= 0 && p.get(1) <= 1)) {
                throw new IllegalArgumentException(key + ": each entry must be [n, max_fraction] with n a whole "
                        + "number >= 1 and 0 <= max_fraction <= 1, got " + p);
            }
        }
        return pairs.stream().map(List::copyOf).toList();
    }

    public static GopherRepetitionConfig defaults() {
        return new GopherRepetitionConfig(true, 0.3, 0.3, 0.2, 0.2,
                List.of(List.of(2.0, 0.2), List.of(3.0, 0.18), List.of(4.0, 0.16)),
                List.of(List.of(5.0, 0.15), List.of(6.0, 0.14), List.of(7.0, 0.13), List.of(8.0, 0.12),
                        List.of(9.0, 0.11), List.of(10.0, 0.10)));
    }
}
