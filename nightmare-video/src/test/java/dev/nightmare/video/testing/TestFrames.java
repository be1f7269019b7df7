package dev.nightmare.video.testing;

import dev.nightmare.video.Frame;
import java.util.SplittableRandom;

/** Seeded pictures for the video tests: smooth colour fields with detail, and noise. */
public final class TestFrames {
    private TestFrames() {}

    /** A picture with colour gradients, rings and some seeded grain; {@code phase} moves it. */
    public static Frame pattern(int width, int height, double phase, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] rgb = new int[width * height];
        double cx = width / 2.0;
        double cy = height / 2.0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double d = Math.hypot(x - cx, y - cy);
                int r = clamp(128 + 100 * Math.sin(d / 6.0 - phase) + random.nextInt(-8, 9));
                int g = clamp(255.0 * x / width);
                int b = clamp(255.0 * y / height * (0.5 + 0.5 * Math.cos(phase)));
                rgb[y * width + x] = (r << 16) | (g << 8) | b;
            }
        }
        return new Frame(width, height, rgb);
    }

    /** Uniform noise: the worst case for an encoder's size. */
    public static Frame noise(int width, int height, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] rgb = new int[width * height];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = random.nextInt(1 << 24);
        }
        return new Frame(width, height, rgb);
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
