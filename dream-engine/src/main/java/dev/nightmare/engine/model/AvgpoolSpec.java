package dev.nightmare.engine.model;

/** {@code [avgpool]}: global average per channel (darknet {@code make_avgpool_layer}). Parsed only. */
public record AvgpoolSpec() implements LayerSpec {
    @Override
    public String type() {
        return "avgpool";
    }

    @Override
    public Shape outputShape(Shape input) {
        return new Shape(input.channels(), 1, 1);
    }
}
