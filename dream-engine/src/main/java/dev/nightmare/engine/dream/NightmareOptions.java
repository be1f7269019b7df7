package dev.nightmare.engine.dream;

import dev.nightmare.engine.random.RandomMode;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of darknet's {@code nightmare} command (defaults as in its code, not its website),
 * plus the random-draw mode and seed. Immutable; build with {@link #builder(int)}.
 *
 * @param layer target layer (the command's LAYER)
 * @param range per iteration the layer is LAYER + r − range/2, r in [0, range)
 * @param octaves per iteration the working scale is 1/1.33333333^o, o in [0, octaves)
 * @param rounds rounds; one image is saved after each
 * @param iters iterations per round
 * @param rate step size
 * @param thresh only activations above mean + thresh·std are amplified
 * @param zoom after each round: centre crop of zoom·size, resized back
 * @param rotateRadians after each round: rotation about the centre
 * @param normalize standardise the update before the step ({@code -norm})
 * @param reconstruct feature-inversion mode
 * @param momentum reconstruct mode's momentum
 * @param randomMode where the draws come from
 * @param seed srand's argument (darknet mode) or the generator's seed (seeded mode)
 */
public record NightmareOptions(
        int layer,
        int range,
        int octaves,
        int rounds,
        int iters,
        float rate,
        float thresh,
        float zoom,
        float rotateRadians,
        boolean normalize,
        boolean reconstruct,
        float momentum,
        RandomMode randomMode,
        long seed) {

    /** Bounds that keep a run finite and its numbers meaningful. */
    public static final int MAX_ROUNDS = 100_000;

    public static final int MAX_ITERS = 100_000;
    public static final int MAX_RANGE = 1_000;
    public static final int MAX_OCTAVES = 64;
    public static final float MAX_ZOOM = 16;

    public static Builder builder(int layer) {
        return new Builder(layer);
    }

    /** Problems that do not depend on the model or image, one per option; empty when fine. */
    public List<OptionException> problems() {
        List<OptionException> problems = new ArrayList<>();
        count(problems, "layer", layer, 0, Integer.MAX_VALUE);
        count(problems, "range", range, 1, MAX_RANGE);
        count(problems, "octaves", octaves, 1, MAX_OCTAVES);
        count(problems, "rounds", rounds, 1, MAX_ROUNDS);
        count(problems, "iters", iters, 1, MAX_ITERS);
        finite(problems, "rate", rate);
        finite(problems, "thresh", thresh);
        finite(problems, "rotate", rotateRadians);
        finite(problems, "momentum", momentum);
        if (!(zoom > 0 && zoom <= MAX_ZOOM)) {
            problems.add(
                    new OptionException("zoom", "zoom is " + zoom + "; expected a number in (0, " + MAX_ZOOM + "]"));
        }
        return problems;
    }

    private static void count(List<OptionException> problems, String name, int value, int min, int max) {
        if (value < min || value > max) {
            problems.add(new OptionException(
                    name, name + " is " + value + "; expected an integer from " + min + " to " + max));
        }
    }

    private static void finite(List<OptionException> problems, String name, float value) {
        if (!Float.isFinite(value)) {
            problems.add(new OptionException(name, name + " is " + value + "; expected a finite number"));
        }
    }

    /** Builder with darknet's defaults. */
    public static final class Builder {
        private final int layer;
        private int range = 1;
        private int octaves = 4;
        private int rounds = 1;
        private int iters = 10;
        private float rate = 0.04f;
        private float thresh = 1f;
        private float zoom = 1f;
        private float rotate = 0f;
        private boolean normalize = true;
        private boolean reconstruct = false;
        private float momentum = 0.9f;
        private RandomMode randomMode = RandomMode.SEEDED;
        private long seed = 0;

        private Builder(int layer) {
            this.layer = layer;
        }

        public Builder range(int v) {
            range = v;
            return this;
        }

        public Builder octaves(int v) {
            octaves = v;
            return this;
        }

        public Builder rounds(int v) {
            rounds = v;
            return this;
        }

        public Builder iters(int v) {
            iters = v;
            return this;
        }

        public Builder rate(float v) {
            rate = v;
            return this;
        }

        public Builder thresh(float v) {
            thresh = v;
            return this;
        }

        public Builder zoom(float v) {
            zoom = v;
            return this;
        }

        public Builder rotate(float radians) {
            rotate = radians;
            return this;
        }

        public Builder normalize(boolean v) {
            normalize = v;
            return this;
        }

        public Builder reconstruct(boolean v) {
            reconstruct = v;
            return this;
        }

        public Builder momentum(float v) {
            momentum = v;
            return this;
        }

        public Builder random(RandomMode mode, long seed) {
            this.randomMode = mode;
            this.seed = seed;
            return this;
        }

        public NightmareOptions build() {
            return new NightmareOptions(
                    layer,
                    range,
                    octaves,
                    rounds,
                    iters,
                    rate,
                    thresh,
                    zoom,
                    rotate,
                    normalize,
                    reconstruct,
                    momentum,
                    randomMode,
                    seed);
        }
    }
}
