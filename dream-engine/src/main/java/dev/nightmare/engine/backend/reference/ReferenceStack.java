package dev.nightmare.engine.backend.reference;

import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;
import java.util.List;

/** Layers 0..L at one working size, each with its own heap buffers, plus the input and the gradients. */
final class ReferenceStack implements LayerStack {
    final int targetLayer;
    final Shape inputShape;
    /** (layer) output shapes. */
    final List<Shape> shapes;

    final ArrayTensor input;
    final ArrayTensor inputGradient;
    final ArrayTensor outputGradient;
    /** (layer) the layers; the last one's output is {@link #output()}. */
    final ReferenceLayer[] layers;

    ReferenceStack(
            Model model,
            BatchNormGradient batchNormGradient,
            Parallel parallel,
            int targetLayer,
            int width,
            int height) {
        this.targetLayer = targetLayer;
        this.inputShape = new Shape(model.spec().channels(), height, width);
        this.shapes = model.spec().outputShapes(width, height, targetLayer);
        this.input = new ArrayTensor(inputShape);
        this.inputGradient = new ArrayTensor(inputShape);
        this.layers = new ReferenceLayer[targetLayer + 1];
        for (int i = 0; i <= targetLayer; i++) {
            Shape in = i == 0 ? inputShape : shapes.get(i - 1);
            layers[i] = ReferenceLayer.of(model, i, in, shapes.get(i), batchNormGradient, parallel);
        }
        this.outputGradient = new ArrayTensor(shapes.get(targetLayer));
    }

    /** What layer {@code layer}'s forward reads: the layer below's output, or the input. */
    float[] layerInput(int layer) {
        return layer == 0 ? input.data : layers[layer - 1].output.data;
    }

    /** Where layer {@code layer}'s backward writes: the layer below's delta, or the input gradient. */
    float[] layerInputGradient(int layer) {
        return layer == 0 ? inputGradient.data : layers[layer - 1].delta;
    }

    @Override
    public int targetLayer() {
        return targetLayer;
    }

    @Override
    public Shape inputShape() {
        return inputShape;
    }

    @Override
    public Shape outputShape() {
        return shapes.get(targetLayer);
    }

    @Override
    public ArrayTensor input() {
        return input;
    }

    @Override
    public ArrayTensor output() {
        return layers[targetLayer].output;
    }

    @Override
    public ArrayTensor outputGradient() {
        return outputGradient;
    }

    @Override
    public ArrayTensor inputGradient() {
        return inputGradient;
    }
}
