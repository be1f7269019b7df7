package dev.nightmare.engine.cpu.onednn;

/**
 * Which kernels of a layer a cached weights buffer holds: as the weights file stores them
 * ({@code [filter][channel][ky][kx]}, for the forward convolution and oneDNN's backward data), or
 * transposed and flipped ({@code ConvolutionalWeights.transposeFlipped}, for backward data run as
 * a forward convolution). One key may hold several layouts (one per primitive that asks, and
 * Winograd's transformed kernels, whose dims differ); their memory descriptors tell them apart.
 */
record KernelsKey(int layer, boolean transposed) {
    KernelsKey {
        if (layer < 0) {
            throw new IllegalArgumentException("layer " + layer + " is not a layer index");
        }
    }

    /** The layer's kernels as stored. */
    static KernelsKey of(int layer) {
        return new KernelsKey(layer, false);
    }

    /** The layer's kernels transposed and flipped. */
    static KernelsKey transposedOf(int layer) {
        return new KernelsKey(layer, true);
    }
}
