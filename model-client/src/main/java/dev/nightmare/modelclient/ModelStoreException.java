package dev.nightmare.modelclient;

import java.io.IOException;

/**
 * The store answered with an error ({@link #status()} = its HTTP status, 0 when it could not be
 * reached at all) or sent bytes whose SHA-256 did not match; the message says which.
 */
public class ModelStoreException extends IOException {
    private final int status;

    public ModelStoreException(int status, String message) {
        super(message);
        this.status = status;
    }

    public ModelStoreException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
    }

    /** The HTTP status, or 0 for a connection failure or a hash mismatch. */
    public int status() {
        return status;
    }

    /** Whether trying again may help: the store is unreachable, starting, overloaded or failing. */
    public boolean retryable() {
        return status == 0 || status == 429 || status >= 500;
    }
}
