package ai.stratum.data.recipe;

/** Validation helpers for recipe records; messages start with the snake_case key, as the config loader expects. */
final class Checks {
    private Checks() {
    }

    static void nonNegative(String key, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(key + ": must be a finite number >= 0, got " + value);
        }
    }

    static void positive(String key, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(key + ": must be a finite number > 0, got " + value);
        }
    }

    static void fraction(String key, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(key + ": must be in [0, 1], got " + value);
        }
    }

    static void notBlank(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(key + ": must not be empty");
        }
    }
}
