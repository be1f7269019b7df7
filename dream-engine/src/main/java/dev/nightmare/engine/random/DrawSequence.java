package dev.nightmare.engine.random;

import java.util.SplittableRandom;

/**
 * The random draws of a nightmare run. The state at the start of any round is rebuilt from
 * (mode, seed, round) alone, so a resumed run draws exactly what an uninterrupted one would.
 *
 * <p>DARKNET: {@code srand(seed)}, skip the {@code 2·ceil(Nw/2)} draws of darknet's cfg parsing
 * (Nw = all convolutional weights of the cfg), then 5 draws per iteration. SEEDED: each round gets
 * its own {@link SplittableRandom} seeded from (seed, round) through SplitMix64 mixing.
 */
public final class DrawSequence {
    private final RandomMode mode;
    private final GlibcRandom glibc;
    private final SplittableRandom seeded;
    private final int layer;
    private final int range;
    private final int octaves;

    private DrawSequence(
            RandomMode mode, GlibcRandom glibc, SplittableRandom seeded, int layer, int range, int octaves) {
        this.mode = mode;
        this.glibc = glibc;
        this.seeded = seeded;
        this.layer = layer;
        this.range = range;
        this.octaves = octaves;
    }

    /**
     * Draws positioned at the first iteration of {@code round}.
     *
     * @param cfgKernelWeights Nw: Σ kernel weights of every convolutional layer of the whole cfg
     */
    public static DrawSequence atRound(
            RandomMode mode,
            long seed,
            long cfgKernelWeights,
            int layer,
            int range,
            int octaves,
            int iters,
            int round) {
        return switch (mode) {
            case DARKNET -> {
                GlibcRandom rng = new GlibcRandom((int) seed);
                long parseDraws = 2 * ((cfgKernelWeights + 1) / 2);
                rng.skip(parseDraws + 5L * iters * round);
                yield new DrawSequence(mode, rng, null, layer, range, octaves);
            }
            case SEEDED -> {
                SplittableRandom rng = new SplittableRandom(mix(seed, round));
                yield new DrawSequence(mode, null, rng, layer, range, octaves);
            }
        };
    }

    private static long mix(long seed, int round) {
        long z = seed + 0x9E3779B97F4A7C15L * (round + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public RandomMode mode() {
        return mode;
    }

    /** The next iteration's draws: layer, octave, dx, dy, flip (5 draws, always all consumed). */
    public IterationDraws next() {
        int layerDraw = draw(range);
        int octave = draw(octaves);
        int dx = draw(16) - 8;
        int dy = draw(16) - 8;
        boolean flip = draw(2) == 1;
        return new IterationDraws(layer + layerDraw - range / 2, octave, dx, dy, flip);
    }

    private int draw(int bound) {
        return glibc != null ? glibc.nextMod(bound) : seeded.nextInt(bound);
    }
}
