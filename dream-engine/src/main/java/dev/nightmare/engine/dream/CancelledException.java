package dev.nightmare.engine.dream;

/** A run stopped because its listener asked it to. */
public final class CancelledException extends RuntimeException {
    public CancelledException(int round, int iteration) {
        super("canceled at round " + round + ", iteration " + iteration);
    }
}
