package dev.nightmare.gateway.service;

/** S3 could not be reached or answered with a server error; the request may be retried. */
public final class StorageUnavailableException extends RuntimeException {
    public StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
