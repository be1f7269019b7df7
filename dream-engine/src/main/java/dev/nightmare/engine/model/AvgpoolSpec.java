package dev.nightmare.engine.model;

import java.util.Optional;

/**
 * {@code [avgpool]}: the global average of each channel (darknet {@code avgpool_layer.c}): forward
 * sums each channel's positions in order and divides by their count; backward gives every position
 * of a channel its output gradient divided by that count.
 */
public record AvgpoolSpec() implements LayerSpec {
    @Override
    public String type() {
        return "avgpool";
    }

    /** darknet {@code make_avgpool_layer}: c×1×1. */
    @Override
    public Shape outputShape(Shape input) {
        return new Shape(input.channels(), 1, 1);
    }

    @Override
    public Optional<String> cannotDream(boolean resized, boolean target) {
        return Optional.empty();
    }
}
