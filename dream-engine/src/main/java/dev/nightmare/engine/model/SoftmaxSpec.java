package dev.nightmare.engine.model;

import java.util.Optional;

/**
 * {@code [softmax]} (darknet {@code softmax_layer.c}): keeps the shape; forward is a softmax over
 * each of {@code groups} contiguous runs of its inputs (in planar order) at {@code temperature};
 * backward passes the output gradient through unchanged ({@code backward_softmax_layer}: {@code
 * net.delta += l.delta}), darknet's training shortcut for softmax with cross-entropy.
 *
 * @param tree whether the cfg names a {@code tree=} file (darknet's hierarchical softmax)
 */
public record SoftmaxSpec(int groups, float temperature, boolean tree) implements LayerSpec {
    @Override
    public String type() {
        return "softmax";
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public Optional<String> cannotDream(boolean resized, boolean target) {
        if (resized) {
            return Optional.of("darknet resizes the network to each working size and cannot resize a [softmax] before"
                    + " an [avgpool] (resize_network: \"Cannot resize this type of layer\")");
        }
        if (tree) {
            return Optional.of("a hierarchical softmax (tree=) is not supported");
        }
        if (!target) {
            return Optional.of("darknet's [softmax] also sets its own gradient to a cross-entropy against nightmare's"
                    + " all-zero truth (−output), which the layers above would add to; a [softmax] can only be the"
                    + " target");
        }
        return Optional.empty();
    }
}
