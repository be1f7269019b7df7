package dev.nightmare.engine.model;

/**
 * One layer of a darknet network as its cfg describes it. Each layer type owns its shape rule
 * ({@link #outputShape}), citing the darknet function it follows; nothing else computes shapes.
 */
public sealed interface LayerSpec
        permits ConvolutionalSpec, MaxpoolSpec, AvgpoolSpec, SoftmaxSpec, CostSpec, DropoutSpec {
    /** The cfg section name, e.g. {@code convolutional}. */
    String type();

    /** Output shape for the given input shape (may be empty when the input is too small). */
    Shape outputShape(Shape input);

    /** Number of weight floats this layer reads from a weights file. */
    default long weightFloats(int inputChannels) {
        return 0;
    }

    /** Whether nightmare can back-propagate through this layer. */
    default boolean differentiable() {
        return false;
    }
}
