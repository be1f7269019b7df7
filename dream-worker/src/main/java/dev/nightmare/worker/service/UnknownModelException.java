package dev.nightmare.worker.service;

/** The model-store does not have the model (version) a job asks for; permanent, unlike a transient failure. */
public final class UnknownModelException extends RuntimeException {
    public UnknownModelException(String message) {
        super(message);
    }
}
