package dev.nightmare.engine.backend.reference;

import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.LayerSpec;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import java.util.List;

/** Heap buffers for forward and backward through layers 0..L at one working size. */
final class ReferenceStack implements LayerStack {
    final int targetLayer;
    final Shape inputShape;
    /** (layer) output shapes. */
    final List<Shape> shapes;

    final ArrayTensor input;
    final ArrayTensor inputGradient;
    final ArrayTensor outputGradient;
    /** (layer) activated outputs; the last is {@link #output()}. */
    final ArrayTensor[] outputs;
    /** (layer) conv outputs before bias/batch norm, null for maxpool. */
    final float[][] preActivations;
    /** (layer) maxpool argmax input indices, null for conv. */
    final int[][] argmax;
    /** (layer) dLoss/d(output) scratch during backward. */
    final float[][] deltas;

    ReferenceStack(NetworkSpec spec, int targetLayer, int width, int height) {
        this.targetLayer = targetLayer;
        this.inputShape = new Shape(spec.channels(), height, width);
        this.shapes = spec.outputShapes(width, height, targetLayer);
        this.input = new ArrayTensor(inputShape);
        this.inputGradient = new ArrayTensor(inputShape);
        int n = targetLayer + 1;
        this.outputs = new ArrayTensor[n];
        this.preActivations = new float[n][];
        this.argmax = new int[n][];
        this.deltas = new float[n][];
        for (int i = 0; i < n; i++) {
            Shape s = shapes.get(i);
            int size = Math.toIntExact(s.size());
            outputs[i] = new ArrayTensor(s);
            deltas[i] = new float[size];
            LayerSpec layer = spec.layer(i);
            if (layer instanceof ConvolutionalSpec) {
                preActivations[i] = new float[size];
            } else if (layer instanceof MaxpoolSpec) {
                argmax[i] = new int[size];
            }
        }
        this.outputGradient = new ArrayTensor(shapes.get(targetLayer));
    }

    Shape layerInputShape(int layer) {
        return layer == 0 ? inputShape : shapes.get(layer - 1);
    }

    float[] layerInput(int layer) {
        return layer == 0 ? input.data : outputs[layer - 1].data;
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
        return outputs[targetLayer];
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
