package ai.stratum.cli.config;

import java.util.List;

/** Records shaped like Stratum's real configs, for the config layer's tests. */
final class TestConfigs {
    private TestConfigs() {
    }

    enum Mode { FAST, CAREFUL }

    record Model(int nLayer, double dropout) {
        Model {
            if (nLayer < 1) {
                throw new IllegalArgumentException("n_layer: must be at least 1, got " + nLayer);
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new IllegalArgumentException("dropout: must be in [0, 1), got " + dropout);
            }
        }
    }

    record Run(String name, Model model, List<String> tags, Mode mode) {
    }
}
