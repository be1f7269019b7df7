package dev.nightmare.engine.model;

import java.util.Optional;

/** {@code [dropout]}: identity at inference; keeps the shape. Parsed only. */
public record DropoutSpec(float probability) implements LayerSpec {
    @Override
    public String type() {
        return "dropout";
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    /**
     * Never: darknet cannot resize a {@code [dropout]}, and after an {@code [avgpool]} (where it is
     * not resized) its backward outside training zeroes the gradient, since its random mask is
     * drawn only in training and every unit counts as dropped.
     */
    @Override
    public Optional<String> cannotDream(boolean resized, boolean target) {
        if (resized) {
            return Optional.of("darknet resizes the network to each working size and cannot resize a [dropout]"
                    + " (resize_network: \"Cannot resize this type of layer\")");
        }
        return Optional.of(
                probability > 0
                        ? "darknet's [dropout] backward outside training zeroes the gradient (its random mask is"
                                + " never drawn, so every unit counts as dropped): nothing would be dreamed"
                        : "a [dropout] of probability 0 is the identity; remove it from the cfg");
    }
}
