package dev.nightmare.engine.model;

/** {@code [softmax]}: keeps the shape (darknet {@code make_softmax_layer}). Parsed only. */
public record SoftmaxSpec(int groups) implements LayerSpec {
    @Override
    public String type() {
        return "softmax";
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }
}
