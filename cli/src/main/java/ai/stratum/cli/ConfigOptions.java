package ai.stratum.cli;

import ai.stratum.config.ConfigException;
import ai.stratum.config.ConfigLoader;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The config options every configurable command shares: preset -> file -> {@code --set} overrides, and
 * {@code --dry-run} to print the resolved config without running.
 */
public final class ConfigOptions {

    @Option(names = "--preset", paramLabel = "NAME",
            description = "A preset from configs/ (the base layer).")
    String preset;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A YAML or JSON config file merged over the preset.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one key, e.g. --set optim.lr=3e-4 (repeatable; applied last).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--dry-run", description = "Print the resolved config and exit.")
    boolean dryRun;

    /**
     * Resolves the config: the preset (or {@code defaultPreset} when none is named) is always the base layer,
     * so a config file needs to hold only the keys it changes.
     */
    public <T> ConfigLoader.Resolved<T> resolve(Class<T> type, String defaultPreset) {
        return ConfigLoader.load(type, preset != null ? preset : defaultPreset, config, overrides);
    }

    /**
     * Resolves the config of a run being resumed: the run's {@code saved} config.yaml is the base layer and
     * {@code --config} and {@code --set} change only the keys they name. A preset names every key, so it would
     * silently replace the run's settings: {@code --preset} is refused.
     */
    public <T> ConfigLoader.Resolved<T> resolveSaved(Class<T> type, Path saved) {
        if (preset != null) {
            throw new ConfigException("--preset " + preset + " with --resume: the run keeps its saved " + saved
                    + "; change single keys with --set KEY=VALUE or --config FILE");
        }
        return ConfigLoader.loadSaved(type, saved, config, overrides);
    }

    /** The {@code --preset} given, or null. */
    public String preset() {
        return preset;
    }

    /**
     * Resolves a config over several presets (each merged over the ones before; the command chooses them, e.g. a
     * distillation default under a model preset), then the file, then {@code extra} overrides (the command's own
     * options) and {@code --set}.
     */
    public <T> ConfigLoader.Resolved<T> resolveLayers(Class<T> type, List<String> presets, List<String> extra) {
        List<String> all = new ArrayList<>(extra);
        all.addAll(overrides);
        return ConfigLoader.loadLayers(type, presets, config, all);
    }

    /** {@link #resolveSaved} with {@code extra} overrides (the command's own options) before {@code --set}. */
    public <T> ConfigLoader.Resolved<T> resolveSaved(Class<T> type, Path saved, List<String> extra) {
        if (preset != null) {
            throw new ConfigException("--preset " + preset + " with --resume: the run keeps its saved " + saved
                    + "; change single keys with --set KEY=VALUE or --config FILE");
        }
        List<String> all = new ArrayList<>(extra);
        all.addAll(overrides);
        return ConfigLoader.loadSaved(type, saved, config, all);
    }

    public boolean dryRun() {
        return dryRun;
    }
}
