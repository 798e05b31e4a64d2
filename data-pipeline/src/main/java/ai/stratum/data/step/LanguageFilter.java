package ai.stratum.data.step;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.LanguageConfig;
import com.optimaize.langdetect.DetectedLanguage;
import com.optimaize.langdetect.LanguageDetector;
import com.optimaize.langdetect.LanguageDetectorBuilder;
import com.optimaize.langdetect.ngram.NgramExtractors;
import com.optimaize.langdetect.profiles.LanguageProfile;
import com.optimaize.langdetect.profiles.LanguageProfileReader;
import com.optimaize.langdetect.text.TextObjectFactoryBuilder;
import com.optimaize.langdetect.text.TextObjectFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Language identification with Optimaize's n-gram model (its 71 built-in language profiles). Keeps a document
 * whose most probable language is allowed and at least {@code min_score} probable, and records
 * {@code language} and {@code language_score} in its metadata. Drop reasons: {@code language_not_allowed}
 * (detail: the language found), {@code language_low_score}, {@code language_unknown}.
 *
 * <p>The detector samples n-grams at random; it is seeded so that a rerun makes the same decisions.
 */
public final class LanguageFilter implements DocumentStep {
    private static volatile List<LanguageProfile> profiles;
    /** Detectors are immutable and thread-safe but take a second to build: one per seed. */
    private static final Map<Long, LanguageDetector> DETECTORS = new ConcurrentHashMap<>();
    private final LanguageDetector detector;
    private final TextObjectFactory texts;
    private final Set<String> allowed;
    private final LanguageConfig c;

    public LanguageFilter(LanguageConfig config, long seed) {
        this.c = config;
        this.allowed = new HashSet<>(config.languages());
        this.detector = DETECTORS.computeIfAbsent(seed, s -> LanguageDetectorBuilder.create(NgramExtractors.standard())
                .withProfiles(builtInProfiles())
                .seed(s)
                .build());
        // no URL/e-mail cleaning filters: they cost more than detection itself on web text
        this.texts = new TextObjectFactoryBuilder().maxTextLength(config.maxChars()).build();
        Set<String> known = new HashSet<>();
        for (LanguageProfile p : builtInProfiles()) {
            known.add(p.getLocale().getLanguage());
        }
        for (String lang : config.languages()) {
            if (!known.contains(lang)) {
                throw new IllegalArgumentException("languages: '" + lang + "' is not a language the detector "
                        + "knows; known: " + new java.util.TreeSet<>(known));
            }
        }
    }

    private static List<LanguageProfile> builtInProfiles() {
        if (profiles == null) {
            synchronized (LanguageFilter.class) {
                if (profiles == null) {
                    try {
                        profiles = List.copyOf(new LanguageProfileReader().readAllBuiltIn());
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot load the language profiles bundled with "
                                + "language-detector", e);
                    }
                }
            }
        }
        return profiles;
    }

    @Override
    public String name() {
        return "language";
    }

    @Override
    public StepResult apply(Document doc, StepStats stats) {
        String text = doc.text();
        List<DetectedLanguage> found = detector.getProbabilities(texts.forText(text));
        if (found.isEmpty()) {
            return StepResult.drop("language_unknown");
        }
        DetectedLanguage top = found.get(0);
        String lang = top.getLocale().getLanguage();
        stats.count("top_" + lang, 1);
        if (!allowed.contains(lang)) {
            return StepResult.drop("language_not_allowed", lang);
        }
        if (top.getProbability() < c.minScore()) {
            return StepResult.drop("language_low_score", lang + " " + String.format(Locale.ROOT, "%.3f",
                    top.getProbability()));
        }
        return StepResult.keep(doc.withMetadata("language", lang)
                .withMetadata("language_score", String.format(Locale.ROOT, "%.4f", top.getProbability())));
    }
}
