package dev.nightmare.engine.cpu;

import dev.nightmare.engine.model.Shape;

/**
 * How a {@link CpuTensor} orders its floats. Images at the network boundary are planar; every
 * activation and gradient inside the network is channel-blocked, as oneDNN's AVX-512 kernels want
 * it, so that no layer converts layouts.
 */
public enum Layout {
    /** {@code [c][y][x]}: darknet's and the engine's host layout. */
    PLANAR,
    /**
     * {@code [c / 16][y][x][c % 16]} (oneDNN {@code nChw16c}): the 16 channels of a block sit next
     * to each other, one AVX-512 vector per pixel. Channels past the last real one are zero.
     */
    BLOCKED;

    /** Channels per block in {@link #BLOCKED}. */
    public static final int BLOCK = 16;

    /** Floats of storage a tensor of {@code shape} needs in this layout (padding included). */
    public long storageFloats(Shape shape) {
        long plane = (long) shape.height() * shape.width();
        return this == PLANAR ? shape.channels() * plane : (long) blocks(shape.channels()) * BLOCK * plane;
    }

    /** Float index of element (c, y, x). */
    public long index(Shape shape, int c, int y, int x) {
        int h = shape.height(), w = shape.width();
        return this == PLANAR ? ((long) c * h + y) * w + x : (((long) (c / BLOCK) * h + y) * w + x) * BLOCK + c % BLOCK;
    }

    /** Channel blocks covering {@code channels}. */
    public static int blocks(int channels) {
        return (channels + BLOCK - 1) / BLOCK;
    }
}
