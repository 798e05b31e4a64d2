package ai.stratum.data.recipe;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A data-pipeline recipe: inputs, per-document filters, dedup, PII redaction, source mixing weights, tokenizer
 * and output. Bound from YAML by the CLI's config loader (snake_case keys; every key required, the bundled
 * preset {@code data/defaults} supplies all but {@code inputs}).
 *
 * @param mixture per-source weights: below 1 keeps that fraction of the source's documents, above 1 repeats
 *                them (the whole part always, the fractional part for a hash-chosen share), both decided per
 *                document from the seed; sources not listed keep weight 1
 * @param threads worker threads over input files; 0 means one per available processor
 */
public record DataRecipe(List<InputConfig> inputs, FiltersConfig filters, DedupConfig dedup, PiiConfig pii,
                         Map<String, Double> mixture, TokenizerConfig tokenizer, OutputConfig output, long seed,
                         int threads) {
    public DataRecipe {
        if (inputs == null || inputs.isEmpty()) {
            throw new IllegalArgumentException("inputs: list at least one input source");
        }
        inputs = List.copyOf(inputs);
        Set<String> names = new HashSet<>();
        for (InputConfig in : inputs) {
            if (!names.add(in.name())) {
                throw new IllegalArgumentException("inputs: two sources are named '" + in.name() + "'");
            }
        }
        if (filters == null || dedup == null || pii == null || tokenizer == null || output == null) {
            throw new IllegalArgumentException("filters: filters, dedup, pii, tokenizer and output must be set");
        }
        mixture = mixture == null ? Map.of() : new TreeMap<>(mixture);
        for (Map.Entry<String, Double> e : mixture.entrySet()) {
            if (!names.contains(e.getKey())) {
                throw new IllegalArgumentException("mixture: '" + e.getKey() + "' is not an input source; sources: "
                        + names.stream().sorted().toList());
            }
            if (e.getValue() == null || !(e.getValue() >= 0) || e.getValue() > 1000) {
                throw new IllegalArgumentException("mixture: the weight of '" + e.getKey()
                        + "' must be in [0, 1000], got " + e.getValue());
            }
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads: must be >= 0 (0 = one per processor), got " + threads);
        }
    }

    public double weight(String source) {
        return mixture.getOrDefault(source, 1.0);
    }
}
