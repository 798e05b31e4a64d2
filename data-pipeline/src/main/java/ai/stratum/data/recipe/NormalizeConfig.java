package ai.stratum.data.recipe;

/** Unicode normalization: {@code form} is NFC or NFKC. */
public record NormalizeConfig(boolean enabled, String form) {
    public NormalizeConfig {
        if (!"NFC".equals(form) && !"NFKC".equals(form)) {
            throw new IllegalArgumentException("form: must be NFC or NFKC, got '" + form + "'");
        }
    }

    public static NormalizeConfig defaults() {
        return new NormalizeConfig(true, "NFC");
    }
}
