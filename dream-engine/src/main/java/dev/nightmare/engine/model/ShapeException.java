package dev.nightmare.engine.model;

/** A layer or working size the network cannot run at; the message says what would fit. */
public final class ShapeException extends IllegalArgumentException {
    public ShapeException(String message) {
        super(message);
    }
}
