package dev.nightmare.gateway.service;

/** The model-store did not answer (or answered with a server error). */
public final class ModelStoreUnavailableException extends RuntimeException {
    public ModelStoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
