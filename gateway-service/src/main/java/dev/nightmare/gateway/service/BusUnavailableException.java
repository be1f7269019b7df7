package dev.nightmare.gateway.service;

/** Kafka did not take a record within the publish timeout. */
public final class BusUnavailableException extends RuntimeException {
    public BusUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
