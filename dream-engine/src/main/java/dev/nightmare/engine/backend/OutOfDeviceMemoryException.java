package dev.nightmare.engine.backend;

/**
 * A request that does not fit in the backend's device memory (a GPU's, for now); the message names
 * what was asked for and what was free. Thrown before the allocation, so the device and the session
 * stay usable for smaller requests, and a caller may retry the same work on another backend.
 */
public final class OutOfDeviceMemoryException extends RuntimeException {
    public OutOfDeviceMemoryException(String message) {
        super(message);
    }
}
