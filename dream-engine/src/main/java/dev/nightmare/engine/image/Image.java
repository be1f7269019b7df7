package dev.nightmare.engine.image;

import java.util.Arrays;

/**
 * A planar float image as darknet holds it: {@code data[(c·height + y)·width + x]}, values in
 * [0,1] for colour images. Mutable; copy before sharing.
 */
public final class Image {
    private final int width;
    private final int height;
    private final int channels;
    private final float[] data;

    public Image(int width, int height, int channels, float[] data) {
        if (width <= 0 || height <= 0 || channels <= 0) {
            throw new IllegalArgumentException(
                    "image size " + width + "×" + height + "×" + channels + " must be positive");
        }
        if (data.length != (long) width * height * channels) {
            throw new IllegalArgumentException("image data has " + data.length + " floats; " + width + "×" + height
                    + "×" + channels + " needs " + (long) width * height * channels);
        }
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.data = data;
    }

    public static Image blank(int width, int height, int channels) {
        return new Image(
                width, height, channels, new float[Math.multiplyExact(Math.multiplyExact(width, height), channels)]);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int channels() {
        return channels;
    }

    /** The backing array (CHW), not a copy. */
    public float[] data() {
        return data;
    }

    public float get(int x, int y, int c) {
        return data[(c * height + y) * width + x];
    }

    public void set(int x, int y, int c, float v) {
        data[(c * height + y) * width + x] = v;
    }

    public Image copy() {
        return new Image(width, height, channels, data.clone());
    }

    /** Index of the first non-finite value, or −1. */
    public int firstNonFinite() {
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                return i;
            }
        }
        return -1;
    }

    public boolean sameAs(Image other) {
        return width == other.width
                && height == other.height
                && channels == other.channels
                && Arrays.equals(data, other.data);
    }

    @Override
    public String toString() {
        return "Image[" + width + "×" + height + "×" + channels + "]";
    }
}
