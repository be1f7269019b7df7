package dev.nightmare.engine.model;

import java.util.Optional;

/** {@code [cost]}: the training loss; keeps the shape. Parsed only. */
public record CostSpec(String costType) implements LayerSpec {
    @Override
    public String type() {
        return "cost";
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    /**
     * Never: darknet's {@code [cost]} compares its input with the network's truth, which nightmare
     * leaves all zero, and its backward passes its own delta through unscaled by its derivative; it
     * is a training loss, which nightmare's loss replaces.
     */
    @Override
    public Optional<String> cannotDream(boolean resized, boolean target) {
        return Optional.of("a [cost] is darknet's training loss, which nightmare's own loss replaces; target the"
                + " layer below it");
    }
}
