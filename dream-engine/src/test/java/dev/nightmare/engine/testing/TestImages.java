package dev.nightmare.engine.testing;

import dev.nightmare.engine.image.Image;
import java.util.SplittableRandom;

/** Test images shared by the engine's and the backends' tests. */
public final class TestImages {
    private TestImages() {}

    /** A 3-channel image of uniform noise in [0, 1), the same for the same seed. */
    public static Image noise(int width, int height, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Image image = Image.blank(width, height, 3);
        float[] data = image.data();
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextDouble();
        }
        return image;
    }
}
