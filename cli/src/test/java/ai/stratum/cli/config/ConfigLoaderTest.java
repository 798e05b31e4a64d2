package ai.stratum.cli.config;

import ai.stratum.config.ConfigException;
import ai.stratum.config.ConfigLoader;
import ai.stratum.cli.config.TestConfigs.Mode;
import ai.stratum.cli.config.TestConfigs.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String yaml) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, yaml);
        return p;
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "expected '" + part + "' in: " + message);
        }
    }

    @Test
    void presetAloneBindsEveryKey() {
        Run run = ConfigLoader.load(Run.class, "test-base", null, List.of()).value();
        assertEquals(new Run("base", new TestConfigs.Model(4, 0.1), List.of("a", "b"), Mode.FAST), run);
    }

    @Test
    void layersApplyInOrderPresetThenFileThenSet() throws IOException {
        Path file = write("run.yaml", "model:\n  n_layer: 6\nname: from-file\n");
        var resolved = ConfigLoader.load(Run.class, "test-base", file,
                List.of("model.n_layer=8", "mode=careful", "tags=[x]"));
        Run run = resolved.value();
        assertEquals(8, run.model().nLayer(), "--set beats the file");
        assertEquals(0.1, run.model().dropout(), "the file's partial 'model' merges into the preset's, key by key");
        assertEquals("from-file", run.name(), "the file beats the preset");
        assertEquals(List.of("x"), run.tags(), "lists replace, never append");
        assertEquals(Mode.CAREFUL, run.mode());
        assertEquals("--set model.n_layer", resolved.origins().get("model.n_layer"));
        assertEquals(file.toString(), resolved.origins().get("name"));
        assertEquals("preset 'test-base'", resolved.origins().get("model.dropout"));
    }

    @Test
    void resolvedYamlReloadsToTheSameConfig() throws IOException {
        var resolved = ConfigLoader.load(Run.class, "test-base", null, List.of("model.dropout=0.25"));
        Path saved = dir.resolve("run/config.yaml");
        resolved.writeTo(saved);
        assertEquals(resolved.value(), ConfigLoader.load(Run.class, null, saved, List.of()).value());
    }

    @Test
    void unknownKeyInAFileNamesKeyFileAndAllowedKeys() throws IOException {
        Path file = write("typo.yaml", "model:\n  n_layers: 6\n");
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Run.class, "test-base", file, List.of()));
        assertContains(e.getMessage(), "unknown key 'model.n_layers'", file.toString(), "dropout, n_layer");
    }

    @Test
    void unknownKeyFromSetNamesTheOverride() {
        var e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Run.class, "test-base", null, List.of("modle.n_layer=3")));
        assertContains(e.getMessage(), "unknown key 'modle'", "--set modle.n_layer", "model");
    }

    @Test
    void wrongTypeNamesKeyExpectedTypeAndValue() throws IOException {
        Path file = write("bad.yaml", "model:\n  n_layer: four\n");
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Run.class, "test-base", file, List.of()));
        assertContains(e.getMessage(), "'model.n_layer'", file.toString(), "an integer", "four");

        e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Run.class, "test-base", null, List.of("model.n_layer=2.5")));
        assertContains(e.getMessage(), "'model.n_layer'", "--set model.n_layer", "an integer");

        e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Run.class, "test-base", null, List.of("mode=sloppy")));
        assertContains(e.getMessage(), "'mode'", "fast, careful", "sloppy");

        e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Run.class, "test-base", null, List.of("model=3")));
        assertContains(e.getMessage(), "'model'", "a mapping");
    }

    @Test
    void outOfRangeValueNamesKeyOriginAndRange() throws IOException {
        Path file = write("range.yaml", "model:\n  dropout: 1.5\n");
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Run.class, "test-base", file, List.of()));
        assertContains(e.getMessage(), "'model.dropout'", file.toString(), "must be in [0, 1)", "1.5");

        e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Run.class, "test-base", null, List.of("model.n_layer=0")));
        assertContains(e.getMessage(), "'model.n_layer'", "--set model.n_layer", "at least 1");
    }

    @Test
    void missingKeyAndBadFilesAreClearErrors() throws IOException {
        Path partial = write("partial.yaml", "name: x\nmodel:\n  n_layer: 2\n  dropout: 0\ntags: []\n");
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Run.class, null, partial, List.of()));
        assertContains(e.getMessage(), "missing key 'mode'");

        Path missing = dir.resolve("nope.yaml");
        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Run.class, null, missing, List.of()));
        assertContains(e.getMessage(), "config file not found", missing.toString());

        Path broken = write("broken.yaml", "model: [1, 2\n");
        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Run.class, null, broken, List.of()));
        assertContains(e.getMessage(), broken.toString(), "line", "not valid YAML");

        Path scalar = write("scalar.yaml", "just a string\n");
        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Run.class, null, scalar, List.of()));
        assertContains(e.getMessage(), scalar.toString(), "mapping");

        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Run.class, "no-such-preset", null, List.of()));
        assertContains(e.getMessage(), "unknown preset 'no-such-preset'");

        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Run.class, "test-base", null, List.of("novalue")));
        assertContains(e.getMessage(), "--set 'novalue'", "key.path=value");
    }

    @Test
    void aDirectoryGivenAsTheConfigFileIsNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Run.class, "test-base", dir,
                List.of()));
        assertEquals("config file " + dir + " is a directory; pass a YAML or JSON file", e.getMessage());
    }

    @Test
    void aResumedRunKeepsItsSavedKeysAndOverridesOnlyWhatIsNamed() throws IOException {
        Path saved = write("config.yaml", ConfigLoader.load(Run.class, "test-base", null,
                List.of("model.n_layer=9", "name=mine")).toYaml());
        var resumed = ConfigLoader.loadSaved(Run.class, saved, null, List.of("model.dropout=0.2"));
        assertEquals(new Run("mine", new TestConfigs.Model(9, 0.2), List.of("a", "b"), Mode.FAST), resumed.value());
        assertEquals("the run's saved " + saved, resumed.origins().get("model.n_layer"));
        assertEquals("--set model.dropout", resumed.origins().get("model.dropout"));
        ConfigException missing = assertThrows(ConfigException.class,
                () -> ConfigLoader.loadSaved(Run.class, dir.resolve("none.yaml"), null, List.of()));
        assertTrue(missing.getMessage().contains("cannot be resumed"), missing.getMessage());
    }
}
