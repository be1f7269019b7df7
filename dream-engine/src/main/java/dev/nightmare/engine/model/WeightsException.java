package dev.nightmare.engine.model;

/** A weights file that does not fit its cfg; the message states what was expected and found. */
public final class WeightsException extends IllegalArgumentException {
    public WeightsException(String message) {
        super(message);
    }
}
