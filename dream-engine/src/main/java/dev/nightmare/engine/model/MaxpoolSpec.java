package dev.nightmare.engine.model;

import java.util.Optional;

/**
 * {@code [maxpool]}: darknet {@code make_maxpool_layer}. Windows start at {@code −padding/2}
 * (integer division), cells outside the input count as −∞, the first maximum (scanning ky then kx)
 * wins.
 */
public record MaxpoolSpec(int size, int stride, int padding) implements LayerSpec {
    @Override
    public String type() {
        return "maxpool";
    }

    /** darknet: out = (in + padding − size)/stride + 1 (2×2/2 with the default padding 1 = ceil(in/2)). */
    @Override
    public Shape outputShape(Shape input) {
        int h = Math.floorDiv(input.height() + padding - size, stride) + 1;
        int w = Math.floorDiv(input.width() + padding - size, stride) + 1;
        return new Shape(input.channels(), h, w);
    }

    /** Top-left offset of the first window: darknet's {@code -l.pad/2}. */
    public int offset() {
        return -padding / 2;
    }

    @Override
    public Optional<String> cannotDream(boolean resized, boolean target) {
        return Optional.empty();
    }
}
