package dev.nightmare.engine.backend.reference;

import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.model.AvgpoolSpec;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.LayerSpec;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.model.SoftmaxSpec;

/**
 * One layer of a reference stack at one working size, as darknet keeps one file per layer type:
 * the layer's own buffers (its activated output, its output gradient, what its backward reads)
 * and its forward and backward maths on planar CHW heap arrays.
 */
abstract sealed class ReferenceLayer permits ConvolutionalLayer, MaxpoolLayer, AvgpoolLayer, SoftmaxLayer {
    /** The activated output, after {@link #forward}. */
    final ArrayTensor output;

    /** dLoss/d(output): filled by the layer above (or the loss) before {@link #backward}, which may change it. */
    final float[] delta;

    ReferenceLayer(Shape out) {
        this.output = new ArrayTensor(out);
        this.delta = new float[output.data.length];
    }

    /** Overwrites {@link #output} with this layer applied to {@code x} (the layer below's output or the input). */
    abstract void forward(float[] x);

    /** Overwrites {@code dx} with dLoss/d(input), given {@link #delta}. */
    abstract void backward(float[] dx);

    /** Layer {@code index} of {@code model} for an input of shape {@code in}, output {@code out}. */
    static ReferenceLayer of(
            Model model, int index, Shape in, Shape out, BatchNormGradient batchNormGradient, Parallel parallel) {
        return switch (model.spec().layer(index)) {
            case ConvolutionalSpec conv ->
                new ConvolutionalLayer(conv, model.convolutional(index), in, out, batchNormGradient, parallel);
            case MaxpoolSpec pool -> new MaxpoolLayer(pool, in, out);
            case AvgpoolSpec avgpool -> new AvgpoolLayer(in, out);
            case SoftmaxSpec softmax -> new SoftmaxLayer(softmax, out);
            case LayerSpec other ->
                throw new IllegalStateException(
                        "layer " + index + " [" + other.type() + "] has no forward or backward here");
        };
    }
}
