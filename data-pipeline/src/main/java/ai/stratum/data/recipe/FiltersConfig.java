package ai.stratum.data.recipe;

/**
 * The per-document steps, run in this order (FineWeb's): extract (HTML pages only), normalize, language,
 * gopher_repetition, gopher_quality, c4, fineweb, quality (off by default). Each filter has {@code enabled}; extract chooses its extractor.
 */
public record FiltersConfig(ExtractConfig extract, NormalizeConfig normalize, LanguageConfig language,
                            GopherRepetitionConfig gopherRepetition, GopherQualityConfig gopherQuality, C4Config c4,
                            FineWebConfig fineweb, QualityConfig quality) {
    public FiltersConfig {
        if (extract == null || normalize == null || language == null || gopherRepetition == null || gopherQuality == null || c4 == null
                || fineweb == null || quality == null) {
            throw new IllegalArgumentException("filters: extract, normalize, language, gopher_repetition, gopher_quality, c4, "
                    + "fineweb and quality must all be present (set enabled: false to skip one)");
        }
    }

    public static FiltersConfig defaults() {
        return new FiltersConfig(ExtractConfig.defaults(), NormalizeConfig.defaults(), LanguageConfig.defaults(),
                GopherRepetitionConfig.defaults(), GopherQualityConfig.defaults(), C4Config.defaults(),
                FineWebConfig.defaults(), QualityConfig.defaults());
    }
}
