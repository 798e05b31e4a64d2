package ai.stratum.config;

/** A configuration the user wrote is wrong; the message names the key, where it came from and what is allowed. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
