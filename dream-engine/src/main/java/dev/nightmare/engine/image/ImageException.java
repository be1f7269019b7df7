package dev.nightmare.engine.image;

/** An image that cannot be read or written; the message says what was wrong and what would be right. */
public final class ImageException extends IllegalArgumentException {
    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
