package dev.nightmare.engine.model;

/** A tensor shape in darknet's planar layout: {@code channels × height × width}. */
public record Shape(int channels, int height, int width) {
    public long size() {
        return (long) channels * height * width;
    }

    public boolean isEmpty() {
        return channels <= 0 || height <= 0 || width <= 0;
    }

    @Override
    public String toString() {
        return channels + "×" + height + "×" + width;
    }
}
