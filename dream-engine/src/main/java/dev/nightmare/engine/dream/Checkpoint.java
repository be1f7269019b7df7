package dev.nightmare.engine.dream;

import dev.nightmare.engine.image.Image;

/**
 * The state after a round, enough to resume the run at the next round: the round's image exactly
 * as held in memory (before the between-rounds rotate and zoom) and, in reconstruct mode, the
 * momentum buffer.
 *
 * @param round the round this is the result of (0-based)
 * @param image the round's image, bit-exact
 * @param momentum reconstruct mode's update buffer U, else null
 */
public record Checkpoint(int round, Image image, Image momentum) {
    /**
     * One float image holding both (the goldens' .f32 layout with 6 channels in reconstruct mode),
     * so a checkpoint is a single file.
     */
    public Image toFloatImage() {
        if (momentum == null) {
            return image;
        }
        int plane = image.data().length;
        float[] both = new float[2 * plane];
        System.arraycopy(image.data(), 0, both, 0, plane);
        System.arraycopy(momentum.data(), 0, both, plane, plane);
        return new Image(image.width(), image.height(), 2 * image.channels(), both);
    }

    /** Inverse of {@link #toFloatImage()}: 3 channels = image only, 6 = image and momentum. */
    public static Checkpoint fromFloatImage(int round, Image stored) {
        if (stored.channels() == 3) {
            return new Checkpoint(round, stored, null);
        }
        if (stored.channels() != 6) {
            throw new IllegalArgumentException(
                    "checkpoint has " + stored.channels() + " channels; expected 3 (image) or 6 (image and momentum)");
        }
        int plane = stored.data().length / 2;
        float[] image = java.util.Arrays.copyOfRange(stored.data(), 0, plane);
        float[] momentum = java.util.Arrays.copyOfRange(stored.data(), plane, 2 * plane);
        return new Checkpoint(
                round,
                new Image(stored.width(), stored.height(), 3, image),
                new Image(stored.width(), stored.height(), 3, momentum));
    }
}
