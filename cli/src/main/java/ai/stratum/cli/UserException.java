package ai.stratum.cli;

/** Something the user asked for cannot be done as asked; the message says why and how to fix it. Exit code 2. */
public final class UserException extends RuntimeException {
    public UserException(String message) {
        super(message);
    }
}
