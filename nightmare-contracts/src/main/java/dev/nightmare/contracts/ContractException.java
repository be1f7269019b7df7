package dev.nightmare.contracts;

/**
 * A message or document that does not meet its contract; {@link #reason()} says which way, so a
 * worker can dead-letter it with that reason and a person can read the message.
 */
public final class ContractException extends RuntimeException {
    /** Why a message or document was refused. */
    public enum Reason {
        /** Not JSON, or JSON of the wrong shape (a missing brace, a string where a number belongs). */
        MALFORMED,
        /** Larger than the contract allows; refused before parsing. */
        OVERSIZED,
        /** No {@code schemaVersion} field. */
        MISSING_SCHEMA_VERSION,
        /** A {@code schemaVersion} this code does not know. */
        UNSUPPORTED_SCHEMA_VERSION,
        /** Well-formed, but a field is missing or out of its bounds. */
        INVALID
    }

    private final Reason reason;

    public ContractException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ContractException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
