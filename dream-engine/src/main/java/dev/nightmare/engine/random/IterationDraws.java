package dev.nightmare.engine.random;

/**
 * The random choices of one nightmare iteration, in darknet's draw order (RNG.md §3).
 *
 * @param layer target layer (LAYER + r%range − range/2)
 * @param octave octave index in [0, octaves)
 * @param dx jitter in [−8, 7]
 * @param dy jitter in [−8, 7]
 * @param flip whether the working image is mirrored
 */
public record IterationDraws(int layer, int octave, int dx, int dy, boolean flip) {
    /** darknet: {@code (float)(1 / pow(1.33333333, octave))}. */
    public float scale() {
        return (float) (1 / Math.pow(1.33333333, octave));
    }
}
