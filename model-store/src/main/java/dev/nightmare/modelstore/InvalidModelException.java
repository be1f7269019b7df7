package dev.nightmare.modelstore;

/** A cfg / weights / metadata set that cannot be served; the message is the reason shown to users. */
public final class InvalidModelException extends Exception {
    public InvalidModelException(String reason) {
        super(reason);
    }
}
