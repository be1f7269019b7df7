package dev.nightmare.engine.backend;

/**
 * Counters a session keeps on its device between reads, so iterations need no host round trip.
 *
 * @param skippedSteps steps skipped because the update's std was 0 (a uniform or dead gradient)
 * @param lastGradientMagnitude reconstruct mode: |D| (L2 norm) of the last iteration, else NaN
 */
public record SessionStats(long skippedSteps, double lastGradientMagnitude) {
    public static final SessionStats NONE = new SessionStats(0, Double.NaN);
}
