package dev.nightmare.engine.backend;

/**
 * What the backward pass of one forwarded {@link LayerStack} reads, kept apart from the stack's
 * buffers by {@link DreamSession#saveBackwardState} and put back by {@link
 * DreamSession#restoreBackwardState}: compact (an activation's sign where only its sign is read,
 * a maxpool's winners), so a tiled iteration can keep it for many tiles where their whole state
 * would not fit, and back-propagate each without forwarding it again.
 */
public interface BackwardState extends AutoCloseable {
    /** The bytes it holds. */
    long bytes();

    /** Frees it. */
    @Override
    void close();
}
