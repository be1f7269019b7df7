package dev.nightmare.engine.cpu;

import dev.nightmare.engine.model.Shape;
import jdk.incubator.vector.FloatVector;

/**
 * How a {@link CpuTensor} orders its floats. Images at the network boundary are planar; every
 * activation and gradient inside the network is channel-blocked as oneDNN's kernels for this
 * machine want it ({@code nChw16c} on AVX-512, {@code nChw8c} on AVX2), so that no layer converts
 * layouts.
 */
public enum Layout {
    /** {@code [c][y][x]}: darknet's and the engine's host layout. */
    PLANAR,
    /**
     * {@code [c / BLOCK][y][x][c % BLOCK]} (oneDNN {@code nChw16c} or {@code nChw8c}): the channels
     * of a block sit next to each other, one machine vector per pixel. Channels past the last real
     * one are zero.
     */
    BLOCKED;

    /** The system property that sets {@link #BLOCK} (8 or 16) where the machine's choice is not wanted. */
    public static final String BLOCK_PROPERTY = "nightmare.cpu.block";

    /**
     * Channels per block in {@link #BLOCKED}: one vector of the machine's preferred width, 16 floats
     * on AVX-512 and 8 below it. oneDNN has fast kernels only for the block of its ISA: on an AVX2
     * machine {@code nChw16c} sent every convolution, pooling and batch norm to its reference
     * implementation, a hundred times slower.
     */
    public static final int BLOCK =
            chooseBlock(System.getProperty(BLOCK_PROPERTY), FloatVector.SPECIES_PREFERRED.length());

    static int chooseBlock(String property, int preferredLanes) {
        if (property != null && !property.isBlank()) {
            return switch (property.strip()) {
                case "8" -> 8;
                case "16" -> 16;
                default ->
                    throw new IllegalArgumentException(
                            BLOCK_PROPERTY + " must be 8 or 16, not \"" + property.strip() + "\"");
            };
        }
        return preferredLanes >= 16 ? 16 : 8;
    }

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
