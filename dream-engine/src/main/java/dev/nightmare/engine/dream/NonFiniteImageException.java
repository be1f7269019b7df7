package dev.nightmare.engine.dream;

/** A round produced NaN or infinity: the run fails rather than save a black frame. */
public final class NonFiniteImageException extends RuntimeException {
    public NonFiniteImageException(int round, float value, int index) {
        super("round " + round + " produced a non-finite value (" + value + " at index " + index
                + "); the model's weights or the options (rate, thresh) give unusable gradients");
    }
}
