package dev.nightmare.engine.model;

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
}
