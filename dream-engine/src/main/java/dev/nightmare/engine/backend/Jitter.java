package dev.nightmare.engine.backend;

/**
 * How one iteration moves the image into the network and back (optimize_picture steps 3 and 7).
 *
 * @param dx horizontal crop offset (darknet draws −8..7)
 * @param dy vertical crop offset
 * @param flip whether the working image is mirrored
 */
public record Jitter(int dx, int dy, boolean flip) {}
