package dev.nightmare.engine.model;

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
}
