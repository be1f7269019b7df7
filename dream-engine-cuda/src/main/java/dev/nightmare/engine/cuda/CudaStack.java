package dev.nightmare.engine.cuda;

import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.LayerSpec;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import java.util.List;

/**
 * Device buffers and cuDNN plans for forward and backward through layers 0..L at one working size.
 * The memory it needs ({@link StackMemory}) is checked against the free device memory before
 * anything is allocated. Owned by its session, which frees it on close.
 */
final class CudaStack implements LayerStack {
    final int targetLayer;
    final Shape inputShape;
    /** (layer) output shapes */
    final List<Shape> shapes;

    final DeviceTensor input;
    final DeviceTensor inputGradient;
    final DeviceTensor outputGradient;
    /** (layer) activated outputs; the last is {@link #output()} */
    final DeviceTensor[] outputs;
    /** (layer) convolution output before batch norm, batch-normalised convolutions only */
    final DeviceBuffer[] preActivations;
    /** (layer) maxpool argmax as ky·size + kx, maxpools only */
    final DeviceBuffer[] argmax;
    /** (layer) cuDNN plan, convolutions only */
    final ConvolutionPlan[] plans;
    /** Two dLoss/d(output) buffers of the largest layer, used alternately during backward. */
    final DeviceBuffer[] deltas = new DeviceBuffer[2];

    /**
     * @param plans (layer) the session's cached plans for this size, null for maxpools
     * @param memory where the buffers come from (the session checked that they fit)
     */
    CudaStack(NetworkSpec spec, int targetLayer, int width, int height, ConvolutionPlan[] plans, DeviceMemory memory) {
        this.targetLayer = targetLayer;
        this.inputShape = new Shape(spec.channels(), height, width);
        this.shapes = spec.outputShapes(width, height, targetLayer);
        this.plans = plans;
        String what = "layers 0.." + targetLayer + " at " + width + "×" + height;
        this.input = tensor(memory, inputShape, what);
        this.inputGradient = tensor(memory, inputShape, what);
        int n = targetLayer + 1;
        this.outputs = new DeviceTensor[n];
        this.preActivations = new DeviceBuffer[n];
        this.argmax = new DeviceBuffer[n];
        long largest = inputShape.size();
        for (int i = 0; i < n; i++) {
            Shape s = shapes.get(i);
            outputs[i] = tensor(memory, s, what);
            LayerSpec layer = spec.layer(i);
            if (layer instanceof ConvolutionalSpec conv && conv.batchNormalize()) {
                preActivations[i] = memory.allocate(s.size() * Float.BYTES, what);
            } else if (layer instanceof MaxpoolSpec) {
                argmax[i] = memory.allocate(s.size() * Integer.BYTES, what);
            }
            largest = Math.max(largest, s.size());
        }
        this.outputGradient = tensor(memory, shapes.get(targetLayer), what);
        for (int k = 0; k < 2; k++) {
            deltas[k] = memory.allocate(largest * Float.BYTES, what);
        }
    }

    private static DeviceTensor tensor(DeviceMemory memory, Shape shape, String what) {
        return new DeviceTensor(shape, memory.allocate(shape.size() * Float.BYTES, what));
    }

    Shape layerInputShape(int layer) {
        return layer == 0 ? inputShape : shapes.get(layer - 1);
    }

    DeviceBuffer layerInput(int layer) {
        return layer == 0 ? input.buffer : outputs[layer - 1].buffer;
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
    public DeviceTensor input() {
        return input;
    }

    @Override
    public DeviceTensor output() {
        return outputs[targetLayer];
    }

    @Override
    public DeviceTensor outputGradient() {
        return outputGradient;
    }

    @Override
    public DeviceTensor inputGradient() {
        return inputGradient;
    }
}
