package dev.nightmare.engine.model;

import java.util.Optional;

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

    /**
     * Why nightmare cannot dream through this layer as darknet's nightmare does, or empty when it
     * can: forward it and take darknet's backward from its output gradient to its input.
     *
     * @param resized whether darknet resizes the layer to each working size: false after an {@code
     *     [avgpool]} (darknet {@code resize_network} stops at the first one, whose output is 1×1
     *     whatever the size, so the layers above keep the cfg's shapes, which are the same)
     * @param target whether the layer is the target, whose output gradient is nightmare's loss;
     *     else the gradient comes from the layers above
     */
    Optional<String> cannotDream(boolean resized, boolean target);
}
