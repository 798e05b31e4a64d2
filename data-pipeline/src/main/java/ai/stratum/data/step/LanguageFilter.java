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

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.optimaize.langdetect.i18n.LdLocale;
import com.optimaize.langdetect.profiles.BuiltInLanguages;
import com.optimaize.langdetect.profiles.LanguageProfileBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
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
    /** Field names are n-grams, hundreds of thousands of distinct ones: not worth interning or canonicalizing. */
    private static final JsonFactory JSON = JsonFactory.builder().disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES).build();
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
                        profiles = readBuiltInProfiles();
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot load the language profiles bundled with "
                                + "language-detector", e);
                    }
                }
            }
        }
        return profiles;
    }

    /**
     * The library's built-in profiles, as {@code LanguageProfileReader.readAllBuiltIn()} builds them (each one's
     * {@code freq} counts into a {@link LanguageProfileBuilder}) but parsed with Jackson: the library's own reader
     * takes about a second of a cold start, during which every worker waits for the detector.
     */
    static List<LanguageProfile> readBuiltInProfiles() throws IOException {
        List<LanguageProfile> all = new ArrayList<>();
        ClassLoader loader = LanguageProfileReader.class.getClassLoader();
        for (LdLocale locale : BuiltInLanguages.getLanguages()) {
            String path = "languages/" + locale;
            try (InputStream in = loader.getResourceAsStream(path)) {
                if (in == null) {
                    throw new IOException("language-detector has no profile " + path);
                }
                LanguageProfileBuilder builder = new LanguageProfileBuilder(locale);
                try (JsonParser json = JSON.createParser(in)) {
                    if (json.nextToken() != JsonToken.START_OBJECT) {
                        throw new IOException(path + ": not a JSON object");
                    }
                    while (json.nextToken() == JsonToken.FIELD_NAME) {
                        String field = json.getCurrentName();
                        JsonToken value = json.nextToken();
                        if (field.equals("freq") && value == JsonToken.START_OBJECT) {
                            while (json.nextToken() == JsonToken.FIELD_NAME) {
                                String gram = json.getCurrentName();
                                json.nextToken();
                                builder.addGram(gram, json.getIntValue());
                            }
                        } else {
                            json.skipChildren();
                        }
                    }
                }
                all.add(builder.build());
            }
        }
        return List.copyOf(all);
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
