package ai.stratum.data.quality;

import ai.stratum.data.recipe.QualityConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;

/** Opens the scorer a recipe names: {@code classifier} built in, other types from {@link QualityScorerProvider}s. */
public final class QualityScorers {
    private QualityScorers() {
    }

    public static QualityScorer open(QualityConfig config) {
        List<QualityScorerProvider> providers = new ArrayList<>();
        providers.add(new ClassifierScorer.Provider());
        ServiceLoader.load(QualityScorerProvider.class).forEach(providers::add);
        TreeSet<String> known = new TreeSet<>();
        for (QualityScorerProvider p : providers) {
            if (p.type().equals(config.type())) {
                return p.open(config);
            }
            known.add(p.type());
        }
        throw new IllegalArgumentException("filters.quality.type: unknown scorer '" + config.type() + "'; known: "
                + known);
    }
}
