package ai.stratum.data.run;

import ai.stratum.data.StepStats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every step's counters of a run, or of any part of one (a batch, a split, a phase): merging two parts adds
 * their counters step by step, so parts computed by any executor, on any thread or machine, in any grouping, add
 * up to the same totals. Steps keep the order of their first appearance.
 */
public final class RunStats {
    private final LinkedHashMap<String, StepStats> steps = new LinkedHashMap<>();

    public RunStats() {
    }

    public RunStats(List<StepStats> stats) {
        add(stats);
    }

    /** Adds counters step by step (a step seen for the first time goes last). */
    public RunStats add(List<StepStats> stats) {
        for (StepStats s : stats) {
            steps.computeIfAbsent(s.name(), StepStats::new).merge(s);
        }
        return this;
    }

    public RunStats merge(RunStats other) {
        return add(other.list());
    }

    public List<StepStats> list() {
        return new ArrayList<>(steps.values());
    }

    public StepStats step(String name) {
        StepStats s = steps.get(name);
        return s == null ? new StepStats(name) : s;
    }

    /** Records the readers saw: documents and unreadable records. */
    public long inputRecords() {
        return steps.values().stream().filter(s -> s.name().startsWith("read_")).mapToLong(StepStats::documentsIn)
                .sum();
    }

    /** Documents dropped by any step before tokenizing (the tokenizer drops none). */
    public long rejected() {
        return steps.values().stream().filter(s -> !s.name().equals("tokenize")).mapToLong(StepStats::droppedTotal)
                .sum();
    }

    public long outputDocuments() {
        return step("tokenize").kept();
    }

    /** {@code input_records = output_documents + rejected}, with the check. */
    public Map<String, Object> accounting() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("input_records", inputRecords());
        a.put("output_documents", outputDocuments());
        a.put("rejected", rejected());
        a.put("balanced", inputRecords() == outputDocuments() + rejected());
        return a;
    }
}
