package dev.nightmare.engine.cuda;

/**
 * A request that does not fit in GPU memory; the message names what would fit. Thrown before the
 * allocation, so the device and the session stay usable for smaller requests.
 */
public final class GpuMemoryException extends RuntimeException {
    public GpuMemoryException(String message) {
        super(message);
    }
}
