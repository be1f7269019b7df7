package dev.nightmare.engine.model;

import java.util.Optional;

/**
 * {@code [convolutional]}: {@code filters} kernels of {@code size×size}, {@code stride}, zero
 * padding {@code padding} per side, optional batch normalisation (inference statistics), then an
 * activation. Weights are stored {@code [filter][channel][ky][kx]}.
 */
public record ConvolutionalSpec(
        int filters, int size, int stride, int padding, boolean batchNormalize, Activation activation)
        implements LayerSpec {
    @Override
    public String type() {
        return "convolutional";
    }

    /** darknet {@code convolutional_out_width}: (in + 2·pad − size)/stride + 1. */
    @Override
    public Shape outputShape(Shape input) {
        int h = Math.floorDiv(input.height() + 2 * padding - size, stride) + 1;
        int w = Math.floorDiv(input.width() + 2 * padding - size, stride) + 1;
        return new Shape(filters, h, w);
    }

    /** Count of kernel weights: filters · channels · size². */
    public long kernelWeights(int inputChannels) {
        return (long) filters * inputChannels * size * size;
    }

    @Override
    public long weightFloats(int inputChannels) {
        return filters * (batchNormalize ? 4L : 1L) + kernelWeights(inputChannels);
    }

    @Override
    public Optional<String> cannotDream(boolean resized, boolean target) {
        return Optional.empty();
    }
}
